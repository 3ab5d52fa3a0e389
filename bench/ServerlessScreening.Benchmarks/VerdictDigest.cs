using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Protocols;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// The SHA-256 of the contract JSON of about 7,000 verdicts (`bench verdict-digest [file]`), one line per verdict and a
/// digest of them all: run it before and after a change that must not alter verdicts (a speed-up, say) and compare.
/// The verdicts cover the benchmark's patients at several seeds and screening dates, varied random patients that reach
/// every status of every criterion, and the sample sites ingested as the pipeline ingests them. The clock is fixed, so
/// the same code gives the same bytes.
/// </summary>
public static class VerdictDigest
{
    public static async Task<int> RunAsync(string[] args)
    {
        var output = args.Length > 0 ? args[0] : "verdict-digest.txt";
        var engine = EvaluationBenchmark.Engine(new FixedTime());
        var lines = new List<string>();
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        void Record(string key, PatientRecord patient, ScreeningDefaults defaults)
        {
            var json = ContractJson.Serialize(engine.Evaluate(patient, defaults));
            var bytes = Encoding.UTF8.GetBytes(json);
            all.AppendData(bytes);
            lines.Add(key + " " + Convert.ToHexStringLower(SHA256.HashData(bytes)));

            // Evaluating the same record again must give the same bytes: an evaluation keeps no state.
            if (lines.Count % 97 == 0 && ContractJson.Serialize(engine.Evaluate(patient, defaults)) != json)
            {
                throw new InvalidOperationException($"Evaluating {key} twice gave different verdicts.");
            }
        }

        foreach (var (seed, screening) in new[] { (20251125, new DateOnly(2025, 6, 1)), (1, new DateOnly(2024, 2, 29)), (77, new DateOnly(2023, 12, 31)), (4242, new DateOnly(2025, 1, 15)) })
        {
            var patients = SyntheticPatients.Create(500, screening, seed: seed);
            for (var i = 0; i < patients.Count; i++)
            {
                Record(FormattableString.Invariant($"synthetic-{seed}/{i}"), patients[i], new ScreeningDefaults(screening));
                Record(FormattableString.Invariant($"synthetic-{seed}/{i}/earlier"), patients[i], new ScreeningDefaults(screening.AddDays(-3)));
            }
        }

        var random = new Random(12345);
        for (var p = 0; p < 3000; p++)
        {
            var (patient, defaults) = VariedPatients.Create(random, p);
            Record(FormattableString.Invariant($"varied/{p}"), patient, defaults);
        }

        var samples = FindSamples();
        foreach (var (folder, site) in new[] { ("demo/uploads/site-demo", "site-demo"), ("criteria/uploads/site-criteria", "site-criteria") })
        {
            foreach (var (patientId, record) in await IngestSiteAsync(Path.Combine(samples, folder), site))
            {
                foreach (var screening in new[] { new DateOnly(2025, 6, 1), new DateOnly(2024, 6, 1), new DateOnly(2026, 1, 1) })
                {
                    Record($"{site}/{patientId}/{IsoDate.Format(screening)}", record, new ScreeningDefaults(screening));
                }
            }
        }

        var digest = Convert.ToHexStringLower(all.GetHashAndReset());
        lines.Add("all " + digest);
        await File.WriteAllLinesAsync(output, lines);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{lines.Count - 1} verdicts, digest {digest}, each verdict's hash in {output}"));
        return 0;
    }

    /// <summary>Every upload of a sample site, ingested in name order, then each patient's record as the evaluator builds it.</summary>
    private static async Task<List<(string PatientId, PatientRecord Record)>> IngestSiteAsync(string folder, string site)
    {
        var files = Directory.EnumerateFiles(folder).Select(f => (Name: Path.GetFileName(f), Bytes: File.ReadAllBytes(f))).ToList();
        var manifest = files.Where(f => f.Name == "manifest.json").Select(f => UploadManifest.Parse(Encoding.UTF8.GetString(f.Bytes)).Value).FirstOrDefault();
        var settings = ParseSettings.Default with { Coverage = manifest?.Coverage };
        var shards = new List<(PatientShard Shard, InputRef Input)>();
        var coverage = new List<CoverageDeclaration>();
        foreach (var (name, bytes) in files.Where(f => f.Name != "manifest.json").OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var blob = $"uploads/{site}/{name}";
            var sink = new CollectingSink();
            using var content = new MemoryStream(bytes);
            var outcome = await new UploadIngestor(LabCatalog.Default, DrugCatalog.Default).IngestAsync(new UploadDescriptor(site, blob, settings), content, sink, CancellationToken.None);
            var input = new InputRef(blob, outcome.Report.Sha256!);
            shards.AddRange(sink.Shards.OrderBy(s => s.PatientId, StringComparer.Ordinal).ThenBy(s => s.Part).Select(s => (s, input)));
            if (settings.CoveragePeriod is { } period)
            {
                coverage.Add(new CoverageDeclaration(blob, outcome.Categories, period, "manifest"));
            }
        }

        return shards
            .GroupBy(s => s.Shard.PatientId)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, PatientRecord.FromShards(site, g.Key, g, coverage, g.Select(s => s.Input))))
            .ToList();
    }

    /// <summary>The repository's <c>samples</c> folder: the first found going up from the benchmark's own folder.</summary>
    private static string FindSamples()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var samples = Path.Combine(folder.FullName, "samples");
            if (Directory.Exists(Path.Combine(samples, "demo")))
            {
                return samples;
            }
        }

        throw new DirectoryNotFoundException("No samples folder above " + AppContext.BaseDirectory);
    }

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);
    }

    private sealed class CollectingSink : IShardSink
    {
        private readonly System.Collections.Concurrent.ConcurrentBag<PatientShard> _shards = [];

        public IEnumerable<PatientShard> Shards => _shards;

        public ValueTask WriteAsync(PatientShard shard, CancellationToken cancellationToken)
        {
            _shards.Add(shard);
            return ValueTask.CompletedTask;
        }
    }
}
