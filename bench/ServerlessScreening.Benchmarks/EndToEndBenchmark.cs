using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ServerlessScreening.Local;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// A generated site (patients, labs, medications, clinical facts, a coverage manifest) through the whole pipeline on
/// Azurite, from upload to the last verdict, with the local host's real triggers: wall time, verdicts per second,
/// storage operations per patient (counted by a pipeline policy on every request, retries included) and the peak
/// resident memory of the process that hosts the pipeline. `bench e2e --patients 10000`.
/// </summary>
public static class EndToEndBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var patients = args.Length > 1 && args[0] == "--patients" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        var inMemory = args.Contains("--in-memory");
        var batch = Array.IndexOf(args, "--batch-size") is var at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : (int?)null;
        var delay = Array.IndexOf(args, "--evaluation-delay") is var delayAt and >= 0 && delayAt + 1 < args.Length ? TimeSpan.Parse(args[delayAt + 1], CultureInfo.InvariantCulture) : (TimeSpan?)null;
        var input = Directory.CreateTempSubdirectory("screening-e2e-input-");
        var output = Directory.CreateTempSubdirectory("screening-e2e-output-");
        try
        {
            var rows = Generate(Path.Combine(input.FullName, "site-bench"), patients);
            var counter = new StorageOperationCounter();
            var options = new RunOptions
            {
                Input = input,
                Output = output,
                Timeout = TimeSpan.FromHours(1),
                Configure = services =>
                {
                    services.AddSingleton(counter);
                    if (delay is { } wait)
                    {
                        // The site's four files are read concurrently; a delay longer than reading them gives each patient one evaluation.
                        services.PostConfigure<ServerlessScreening.Pipeline.ScreeningOptions>(o => o.EvaluationDelay = wait);
                    }

                    if (batch is { } size)
                    {
                        // Fewer messages in flight than host.json's 32 + 32: the emulator serves requests one at a time, and
                        // beyond a few thousand patients its queue of waiting requests outgrows the clients' timeouts.
                        services.PostConfigure<Microsoft.Azure.WebJobs.Host.QueuesOptions>(o =>
                        {
                            o.BatchSize = size;
                            o.NewBatchThreshold = Math.Max(1, size / 2);
                        });
                    }
                },
                InMemoryEmulator = inMemory,
            };

            var watch = Stopwatch.StartNew();
            var result = await LocalRun.ExecuteAsync(Repository.Root(), options, CancellationToken.None);
            watch.Stop();

            Console.WriteLine($"Azurite data: {(inMemory ? "in memory" : "temporary folder")}; queue batch size: {batch?.ToString(CultureInfo.InvariantCulture) ?? "host.json"}; evaluation delay: {delay?.ToString() ?? "local.settings.sample.json"}");
            Console.WriteLine($"| patients | rows | verdicts | wall s | verdicts/s | storage ops | ops/patient | blob reads | blob writes | blob lists | queue ops | peak RSS MB |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {patients:N0} | {rows:N0} | {result.Verdicts.Count:N0} | {watch.Elapsed.TotalSeconds:0.0} | {result.Verdicts.Count / watch.Elapsed.TotalSeconds:0.0} | {counter.Total:N0} | {(double)counter.Total / patients:0.0} | {counter.BlobReads:N0} | {counter.BlobWrites:N0} | {counter.BlobLists:N0} | {counter.QueueOperations:N0} | {PeakResidentBytes() / 1e6:0} |"));
            Console.WriteLine();
            Console.WriteLine("| request | count | per patient |");
            Console.WriteLine("|---|---:|---:|");
            foreach (var (kind, count) in counter.ByKind.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {count:N0} | {(double)count / patients:0.00} |"));
            }

            foreach (var problem in result.Problems)
            {
                Console.Error.WriteLine("problem: " + problem);
            }

            return result.Completed && result.Verdicts.Count == patients ? 0 : 1;
        }
        finally
        {
            input.Delete(recursive: true);
            output.Delete(recursive: true);
        }
    }

    private static long Generate(string site, int count)
    {
        Directory.CreateDirectory(site);
        var random = new Random(11);
        var day = new DateOnly(2025, 6, 1);
        long rows = 0;
        using (var writer = new StreamWriter(Path.Combine(site, "patients.csv")))
        {
            writer.Write("patient_id,sex,birth_date,screening_date,childbearing_potential\n");
            for (var i = 0; i < count; i++, rows++)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"B{i:D6},{(i % 2 == 0 ? "F" : "M")},{day.AddDays(-random.Next(18 * 365, 70 * 365)):yyyy-MM-dd},2025-06-01,{(i % 3 == 0 ? "no" : "yes")}\n"));
            }
        }

        var tests = new[] { ("2890-2", "g/g", 0.1, 3.5), ("777-3", "10*9/L", 60, 400), ("6690-2", "10*9/L", 2, 11), ("4485-9", "g/L", 0.4, 1.6), ("2106-3", "", 0, 0), ("21198-7", "mIU/mL", 0, 8), ("5196-1", "", 0, 0) };
        using (var writer = new StreamWriter(Path.Combine(site, "labs.csv")))
        {
            writer.Write("patient_id,collected_at,test_code,value,unit,reference_range\n");
            for (var i = 0; i < count; i++)
            {
                for (var j = 0; j < 30; j++, rows++)
                {
                    var (code, unit, low, high) = tests[random.Next(tests.Length)];
                    var value = unit.Length == 0 ? (random.Next(10) == 0 ? "positive" : "negative") : (low + ((high - low) * random.NextDouble())).ToString("0.##", CultureInfo.InvariantCulture);
                    writer.Write(string.Create(CultureInfo.InvariantCulture, $"B{i:D6},{day.AddDays(-random.Next(0, 400)):yyyy-MM-dd},{code},{value},{unit},{(unit.Length == 0 ? string.Empty : $"{low}-{high}")}\n"));
                }
            }
        }

        var drugs = new[] { ("Mycophenolate mofetil", "1000", "mg"), ("Hydroxychloroquine", "200", "mg"), ("Prednisone", "10", "mg"), ("Tacrolimus", "2", "mg"), ("Rituximab", "1000", "mg"), ("Amoxicillin", "500", "mg") };
        using (var writer = new StreamWriter(Path.Combine(site, "medications.csv")))
        {
            writer.Write("patient_id,drug_name,dose,dose_unit,route,start_date,end_date\n");
            for (var i = 0; i < count; i++)
            {
                for (var j = 0; j < 5; j++, rows++)
                {
                    var (name, dose, unit) = drugs[random.Next(drugs.Length)];
                    var start = day.AddDays(-random.Next(10, 500));
                    writer.Write(string.Create(CultureInfo.InvariantCulture, $"B{i:D6},{name},{dose},{unit},oral,{start:yyyy-MM-dd},{(random.Next(2) == 0 ? string.Empty : start.AddDays(random.Next(5, 200)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}\n"));
                }
            }
        }

        using (var writer = new StreamWriter(Path.Combine(site, "clinical.csv")))
        {
            writer.Write("patient_id,date,type,code_system,code,name,value\n");
            for (var i = 0; i < count; i++, rows += 3)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"B{i:D6},2025-05-28,assessment,screening,SLEDAI-2K,SLEDAI-2K,{random.Next(0, 20)}\n"));
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"B{i:D6},2025-05-28,assessment,screening,ACR1997-COUNT,ACR,{random.Next(2, 8)}\n"));
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"B{i:D6},2025-05-30,attestation,screening,CONSENT,Consent,yes\n"));
            }
        }

        File.WriteAllText(Path.Combine(site, "manifest.json"), "{ \"coverage\": { \"from\": \"2024-01-01\", \"to\": \"2025-06-01\" } }", Encoding.UTF8);
        return rows;
    }

    private static long PeakResidentBytes() =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024).FirstOrDefault();
}
