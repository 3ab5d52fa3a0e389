using System.Text;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Tests.Ingestion;

/// <summary>The public synthetic data in ../shared/data, read in place: formats nobody here designed, read correctly and completely.</summary>
public sealed class SharedDataTests
{
    public static TheoryData<string> DataFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.Shared, "data"), "*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".csv", StringComparison.Ordinal) || f.EndsWith(".ndjson", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Path.Combine(TestPaths.Shared, "data"), file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DataFiles))]
    public async Task Every_row_of_every_file_is_read_and_accounted_for(string file)
    {
        var (outcome, _) = await CsvIngestion.RunAsync(await File.ReadAllBytesAsync(Path.Combine(TestPaths.Shared, "data", file)));
        var report = outcome.Report;
        var lines = File.ReadLines(Path.Combine(TestPaths.Shared, "data", file)).Count();

        Assert.False(outcome.Quarantine, file + ": " + string.Join("; ", report.Rejections.Select(r => r.Message)));
        Assert.Equal(UploadStatus.Ingested, report.Status);
        Assert.True(report.Rejections.Count == 0, string.Join("\n", report.Rejections.Take(5).Select(r => $"{r.Line} {r.Column} {r.Code} {r.Message}")));
        Assert.Equal(report.RowsRead, report.RowsUsed + report.RowsIgnored + report.RowsRejected);
        Assert.Equal(lines - (report.Format == "csv" ? 1 : 0), report.RowsRead + report.BlankLines);
    }

    [Fact]
    public async Task Synthea_patients_in_both_layouts_become_demographics_without_identifiers()
    {
        foreach (var (folder, patients) in new[] { ("jijones12-synthea-11pt", 11), ("ohdsi-dbt-synthea-27pt", 27) })
        {
            var path = Path.Combine(TestPaths.Shared, "data", "synthea", folder, "patients.csv");
            var (outcome, sink) = await CsvIngestion.RunAsync(await File.ReadAllBytesAsync(path));

            Assert.Equal(UploadKinds.SyntheaPatients, outcome.Report.Kind);
            Assert.Equal(patients, sink.Demographics.Count());
            Assert.All(sink.Demographics, d => Assert.True(d.Sex is not null && d.BirthDate is not null));
            Assert.Contains("SSN", outcome.Report.ColumnsNotRead);

            // No name, street or identity number from the export reaches the facts or the report.
            var written = ContractJson.Serialize(sink.Shards) + ContractJson.Serialize(outcome.Report);
            foreach (var line in File.ReadLines(path).Skip(1))
            {
                var fields = line.Split(',');
                foreach (var identifier in new[] { fields[3], fields[7], fields[8] }.Where(f => f.Length > 3))
                {
                    Assert.DoesNotContain(identifier, written, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public async Task Microalbumin_creatinine_is_kept_as_its_own_test_never_as_protein_creatinine()
    {
        var path = Path.Combine(TestPaths.Shared, "data", "synthea", "jijones12-synthea-11pt", "observations.csv");
        var (_, sink) = await CsvIngestion.RunAsync(await File.ReadAllBytesAsync(path));

        var albumin = sink.Labs.Where(l => l.Code == "14959-1").ToList();
        Assert.Equal(16, albumin.Count);
        Assert.All(albumin, l => Assert.Equal("uacr", l.TestId));
        Assert.DoesNotContain(sink.Labs, l => l.TestId == "upcr");
    }

    [Fact]
    public async Task Fhir_bulk_data_yields_patients_medications_conditions_procedures_and_immunizations()
    {
        var folder = Path.Combine(TestPaths.Shared, "data", "fhir-bulk-10pt");
        var patients = await CsvIngestion.RunAsync(await File.ReadAllBytesAsync(Path.Combine(folder, "Patient.000.ndjson")));
        var requests = await CsvIngestion.RunAsync(await File.ReadAllBytesAsync(Path.Combine(folder, "MedicationRequest.000.ndjson")));
        var immunizations = await CsvIngestion.RunAsync(await File.ReadAllBytesAsync(Path.Combine(folder, "Immunization.000.ndjson")));

        Assert.Equal(File.ReadLines(Path.Combine(folder, "Patient.000.ndjson")).Count(l => l.Length > 0), patients.Sink.Demographics.Count());
        Assert.Equal("ndjson", patients.Outcome.Report.Format);
        Assert.Equal(UploadKinds.FhirNdjson, requests.Outcome.Report.Kind);
        Assert.Equal(requests.Outcome.Report.RowsRead, requests.Sink.Medications.Count());
        Assert.All(requests.Sink.Medications, m => Assert.Equal("RxNorm", m.CodeSystem));
        Assert.All(immunizations.Sink.Clinical, c => Assert.Equal("CVX", c.CodeSystem));
        Assert.Contains(requests.Outcome.Categories, c => c == ServerlessScreening.Facts.RecordCategories.Medications);

        var names = await File.ReadAllTextAsync(Path.Combine(folder, "Patient.000.ndjson"));
        var family = Newtonsoft.Json.Linq.JObject.Parse(names.Split('\n')[0])["name"]![0]!["family"]!.ToString();
        Assert.DoesNotContain(family, ContractJson.Serialize(patients.Sink.Shards), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_ndjson_record_is_rejected_with_its_record_number_and_the_rest_is_used()
    {
        var lines = File.ReadLines(Path.Combine(TestPaths.Shared, "data", "fhir-bulk-10pt", "Patient.000.ndjson")).Take(3).ToList();
        lines.Insert(1, "{\"resourceType\": \"Patient\", \"id\": ");
        var (outcome, sink) = await CsvIngestion.RunAsync(Encoding.UTF8.GetBytes(string.Join("\n", lines)));

        Assert.Equal(3, sink.Demographics.Count());
        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((2, ErrorCodes.FileMalformedJson), (rejection.Line, rejection.Code));
    }
}
