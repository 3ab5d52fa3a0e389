using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sylvan.Data.Csv;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Protocols;
using ServerlessScreening.Tests.Ingestion;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Tests.Verdicts;

/// <summary>The same exports in another encoding or dialect must give the same verdicts.</summary>
public sealed class ReencodedUploadsTests
{
    private static readonly string DemoSite = Path.Combine(TestPaths.Repository, "samples", "demo", "uploads", "site-demo");

    public static TheoryData<string> Variants() => ["utf-16", "tab", "gb18030-semicolon"];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Reencoded_or_redelimited_files_give_the_same_verdicts(string variant)
    {
        var original = Directory.EnumerateFiles(DemoSite).Select(f => (Name: Path.GetFileName(f), Bytes: File.ReadAllBytes(f))).ToList();
        var changed = original.Select(f => f.Name.EndsWith(".csv", StringComparison.Ordinal) ? (f.Name, Bytes: Rewrite(f.Bytes, variant)) : f).ToList();
        Assert.NotEqual(original.Select(f => Convert.ToHexString(f.Bytes)), changed.Select(f => Convert.ToHexString(f.Bytes)));

        var expected = await ScreenAsync(original);
        var actual = await ScreenAsync(changed);

        Assert.Equal(8, expected.Count);
        AssertSameVerdicts(expected, actual);
    }

    public static TheoryData<string, string> SharedDataSetVariants()
    {
        var data = new TheoryData<string, string>();
        foreach (var dataSet in new[] { "jijones12-synthea-11pt", "ohdsi-dbt-synthea-27pt" })
        {
            foreach (var variant in new[] { "utf-16", "tab" })
            {
                data.Add(dataSet, variant);
            }
        }

        return data;
    }

    /// <summary>The public Synthea exports in <c>../shared/data</c>, re-encoded as UTF-16 or re-delimited with tabs: every patient, same verdicts.</summary>
    [Theory]
    [MemberData(nameof(SharedDataSetVariants))]
    public async Task Shared_synthea_exports_reencoded_or_redelimited_give_the_same_verdicts(string dataSet, string variant)
    {
        var folder = Path.Combine(TestPaths.Shared, "data", "synthea", dataSet);
        var original = Directory.EnumerateFiles(folder, "*.csv").Order(StringComparer.Ordinal).Select(f => (Name: Path.GetFileName(f), Bytes: File.ReadAllBytes(f))).ToList();
        var changed = original.Select(f => (f.Name, Bytes: Rewrite(f.Bytes, variant))).ToList();
        var patients = File.ReadLines(Path.Combine(folder, "patients.csv")).Skip(1).Count(line => line.Length > 0);

        var expected = await ScreenAsync(original, "site-synthea");
        var actual = await ScreenAsync(changed, "site-synthea");

        Assert.Equal(patients, expected.Count);
        AssertSameVerdicts(expected, actual);
    }

    /// <summary>The same patients, each with the same verdict apart from its inputs (whose hashes differ with the bytes).</summary>
    private static void AssertSameVerdicts(Dictionary<string, Verdict> expected, Dictionary<string, Verdict> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var patient in expected.Keys)
        {
            Assert.Equal(ContractJson.Serialize(expected[patient] with { Inputs = [] }), ContractJson.Serialize(actual[patient] with { Inputs = [] }));
        }
    }

    /// <summary>Ingests a site's files in memory (a folder manifest gives coverage) and evaluates every patient, as the pipeline does.</summary>
    internal static async Task<Dictionary<string, Verdict>> ScreenAsync(IReadOnlyList<(string Name, byte[] Bytes)> files, string site = "site-demo")
    {
        var manifest = files.Where(f => f.Name == "manifest.json").Select(f => UploadManifest.Parse(Encoding.UTF8.GetString(f.Bytes)).Value).FirstOrDefault();
        var settings = ParseSettings.Default with { Coverage = manifest?.Coverage };
        var shards = new List<(PatientShard Shard, InputRef Input)>();
        var coverage = new List<CoverageDeclaration>();
        foreach (var (name, bytes) in files.Where(f => f.Name != "manifest.json"))
        {
            var blob = $"uploads/{site}/{name}";
            var sink = new CsvIngestion();
            var outcome = await new UploadIngestor(LabCatalog.Default, DrugCatalog.Default).IngestAsync(new UploadDescriptor(site, blob, settings), new MemoryStream(bytes), sink, CancellationToken.None);
            shards.AddRange(sink.Shards.Select(s => (s, new InputRef(blob, outcome.Report.Sha256!))));
            if (settings.CoveragePeriod is { } period)
            {
                coverage.Add(new CoverageDeclaration(blob, outcome.Categories, period, "manifest"));
            }
        }

        var engine = new ScreeningEngine(ProtocolDefinition.LoadFile(TestPaths.Protocol), LabCatalog.Default, DrugCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2025, 6, 2, 0, 0, 0, TimeSpan.Zero)));
        return shards.GroupBy(s => s.Shard.PatientId).ToDictionary(
            g => g.Key,
            g => engine.Evaluate(PatientRecord.FromShards(site, g.Key, g, coverage, g.Select(s => s.Input)), new ScreeningDefaults(new DateOnly(2025, 6, 1))));
    }

    private static byte[] Rewrite(byte[] bytes, string variant)
    {
        var text = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true).ReadToEnd();
        if (variant == "utf-16")
        {
            return Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();
        }

        var delimiter = variant == "tab" ? '\t' : ';';
        using var reader = CsvDataReader.Create(new StringReader(text), new CsvDataReaderOptions { Comment = '\0' });
        var output = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = CsvDataWriter.Create(output, new CsvDataWriterOptions { Delimiter = delimiter }))
        {
            writer.Write(reader);
        }

        return variant == "tab" ? Encoding.UTF8.GetBytes(output.ToString()) : TextDecoding.Gb18030.GetBytes(output.ToString());
    }
}
