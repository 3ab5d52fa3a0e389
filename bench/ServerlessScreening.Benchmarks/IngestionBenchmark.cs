using System.Diagnostics;
using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Sylvan.Data.Csv;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline.Ingestion;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// Ingest throughput and peak memory of the parse-and-normalise path on generated lab exports, side by side with a
/// bare Sylvan.Data.Csv read of the same file (the ceiling). Each case runs in a fresh process so its peak resident
/// memory (VmHWM) is its own. `bench ingestion --rows 1000000,10000000`.
/// </summary>
public static class IngestionBenchmark
{
    private static readonly (string Code, string Name, string Unit, double Low, double High)[] Tests =
    [
        ("2890-2", "Protein/Creatinine ratio", "mg/g", 50, 3500), ("2890-2", "UPCR", "mg/mmol", 5, 400),
        ("2889-4", "24 hour urine protein", "mg/24h", 80, 4000), ("777-3", "Platelets", "10*3/uL", 60, 400),
        ("6690-2", "WBC", "10*9/L", 2, 11), ("4485-9", "Complement C3", "mg/dL", 40, 160), ("718-7", "Hemoglobin", "g/dL", 8, 16),
        ("14959-1", "Microalbumin/Creatinine", "mg/g", 5, 900), ("2160-0", "Creatinine", "mg/dL", 0.5, 3), ("2951-2", "Sodium", "mmol/L", 130, 148),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = Option(args, "--rows", "1000000,10000000").Split(',').Select(r => long.Parse(r, CultureInfo.InvariantCulture)).ToList();
        var directory = Option(args, "--dir", Path.Combine(Path.GetTempPath(), "screening-bench"));
        Directory.CreateDirectory(directory);
        var results = new List<CaseResult>();
        foreach (var count in rows)
        {
            var file = Path.Combine(directory, $"labs-{count}.csv");
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"generating {file} ({count:N0} rows)…");
                Generate(file, count);
            }

            foreach (var mode in new[] { "sylvan-spans", "sylvan-strings", "pipeline-no-serialization", "pipeline" })
            {
                Console.Error.WriteLine($"{mode} on {count:N0} rows…");
                results.Add(await RunCaseAsync(mode, file));
            }

            if (!args.Contains("--keep"))
            {
                File.Delete(file);
            }
        }

        Console.WriteLine("| rows | file MB | path | seconds | MB/s | rows/s | peak RSS MB | vs sylvan-spans | vs sylvan-strings | CPU s |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Rows))
        {
            var spans = group.Single(r => r.Mode == "sylvan-spans");
            var strings = group.Single(r => r.Mode == "sylvan-strings");
            foreach (var result in group)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {result.Rows:N0} | {result.Bytes / 1e6:0} | {result.Mode} | {result.Seconds:0.00} | {result.Bytes / 1e6 / result.Seconds:0} | {result.Rows / result.Seconds:N0} | {result.PeakRssBytes / 1e6:0} | {spans.Seconds / result.Seconds:P0} | {strings.Seconds / result.Seconds:P0} | {result.CpuSeconds:0.00} |"));
            }
        }

        return 0;
    }

    /// <summary>One measurement, in this (fresh) process: prints one JSON line.</summary>
    public static async Task<int> CaseAsync(string[] args)
    {
        var mode = args[0];
        var file = args[1];
        var watch = Stopwatch.StartNew();
        long rows = mode switch
        {
            "sylvan-spans" => BareRead(file, strings: false),
            "sylvan-strings" => BareRead(file, strings: true),
            "pipeline-no-serialization" => await PipelineAsync(file, serialize: false),
            "sylvan-async" => await BareReadAsync(file),
            _ => await PipelineAsync(file),
        };
        watch.Stop();
        var result = new CaseResult(mode, rows, new FileInfo(file).Length, watch.Elapsed.TotalSeconds, PeakResidentBytes())
        {
            GcPauseSeconds = GC.GetTotalPauseDuration().TotalSeconds,
            Collections = $"{GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}",
            AllocatedBytes = GC.GetTotalAllocatedBytes(),
            CpuSeconds = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        };
        Console.WriteLine(JsonConvert.SerializeObject(result));
        return 0;
    }

    /// <summary>The file as the bare reads (the ceiling) open it; the floor opens it the same way, so the two compare.</summary>
    internal static CsvDataReader OpenBare(string file) =>
        CsvDataReader.Create(new StreamReader(file, Encoding.UTF8, true, 64 * 1024), new CsvDataReaderOptions { BufferSize = 64 * 1024 });

    private static long BareRead(string file, bool strings)
    {
        using var csv = OpenBare(file);
        long rows = 0;
        long checksum = 0;
        while (csv.Read())
        {
            for (var i = 0; i < csv.RowFieldCount; i++)
            {
                checksum += strings ? csv.GetString(i).Length : csv.GetFieldSpan(i).Length;
            }

            rows++;
        }

        GC.KeepAlive(checksum);
        return rows;
    }

    private static async Task<long> BareReadAsync(string file)
    {
        await using var stream = File.OpenRead(file);
        using var text = await TextDecoding.OpenAsync(new HashingReadStream(stream), null, CancellationToken.None);
        await using var csv = await CsvDataReader.CreateAsync(text.Reader, new CsvDataReaderOptions { BufferSize = 64 * 1024 });
        long rows = 0;
        long checksum = 0;
        while (await csv.ReadAsync())
        {
            for (var i = 0; i < csv.RowFieldCount; i++)
            {
                checksum += csv.GetString(i).Length;
            }

            rows++;
        }

        GC.KeepAlive(checksum);
        return rows;
    }

    /// <summary>The real ingestion of one upload: decoding, kind detection, parsing, normalisation, per-patient shards serialized as the pipeline writes them (to a null stream).</summary>
    private static async Task<long> PipelineAsync(string file, bool serialize = true)
    {
        var threshold = Environment.GetEnvironmentVariable("BENCH_FLUSH_THRESHOLD") is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : UploadIngestor.DefaultFlushThreshold;
        var ingestor = new UploadIngestor(LabCatalog.Default, DrugCatalog.Default, threshold);
        await using var content = File.OpenRead(file);
        var outcome = await ingestor.IngestAsync(new UploadDescriptor("site-bench", "uploads/site-bench/labs.csv", ParseSettings.Default), content, new SerializingSink(serialize), CancellationToken.None);
        return outcome.Report.RowsRead;
    }

    /// <summary>Serializes each shard as the pipeline's blob sink does, into pooled memory, and drops it instead of uploading.</summary>
    private sealed class SerializingSink(bool serialize) : IShardSink
    {
        public async ValueTask WriteAsync(PatientShard shard, CancellationToken cancellationToken)
        {
            if (serialize)
            {
                await using var json = PooledShardJson.Serialize(shard);
                await json.CopyToAsync(Stream.Null, cancellationToken);
            }
        }
    }

    private static async Task<CaseResult> RunCaseAsync(string mode, string file)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(IngestionBenchmark).Assembly.Location);
        start.ArgumentList.Add("ingestion-case");
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(file);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return JsonConvert.DeserializeObject<CaseResult>(output.Trim().Split('\n')[^1])!;
    }

    private static void Generate(string file, long count)
    {
        var random = new Random(7);
        using var writer = new StreamWriter(file, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("patient_id,collected_at,test_code,test_name,value,unit,reference_range\n");
        var patients = Math.Max(1, count / 100);
        var day = new DateOnly(2020, 1, 1);
        for (long i = 0; i < count; i++)
        {
            var (code, name, unit, low, high) = Tests[random.Next(Tests.Length)];
            var value = low + ((high - low) * random.NextDouble());
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"P{i * patients / count:D7},{day.AddDays(random.Next(0, 2000)):yyyy-MM-dd} {random.Next(6, 20):D2}:{random.Next(0, 60):D2},{code},{name},{value:0.##},{unit},{low:0.#}-{high:0.#}\n"));
        }
    }

    private static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    private sealed record CaseResult(string Mode, long Rows, long Bytes, double Seconds, long PeakRssBytes)
    {
        public double GcPauseSeconds { get; init; }

        /// <summary>Garbage collections of generations 0/1/2.</summary>
        public string Collections { get; init; } = string.Empty;

        public long AllocatedBytes { get; init; }

        /// <summary>Processor time of the whole case process (all threads, start-up and JIT included): less sensitive than seconds to other work on a shared machine.</summary>
        public double CpuSeconds { get; init; }
    }
}
