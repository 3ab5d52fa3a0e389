using NJsonSchema;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>The pipeline against a real Azurite: ingestion, evaluation, idempotency and order independence.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PipelineTests(AzuriteFixture azurite)
{
    private const string Patients = "patient_id,sex,birth_date,screening_date\nP1,F,1990-04-12,2025-06-01\nP2,M,2010-02-01,2025-06-01\nP3,F,1985-08-20,2025-06-01\n";
    private const string Labs = "patient_id,collected_at,test_code,value,unit\nP1,2025-05-20,2890-2,1.42,g/g\nP2,2025-05-20,2890-2,1.6,g/g\nP3,2025-05-10,2890-2,0.4,g/g\n";
    private const string Medications = "patient_id,drug_name,dose,dose_unit,start_date,end_date\nP1,Mycophenolate mofetil,1000,mg,2024-09-01,\n";
    private const string Manifest = "{ \"coverage\": { \"from\": \"2024-06-01\", \"to\": \"2025-06-01\" } }";

    [Fact]
    public async Task Uploads_become_one_verdict_per_patient()
    {
        var site = SiteScenario.Create(azurite, "basic");
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.DrainAsync();

        Assert.Equal(Outcomes.NeedsReview, (await site.VerdictAsync("P1"))!.Outcome);
        Assert.Equal(Outcomes.Ineligible, (await site.VerdictAsync("P2"))!.Outcome); // 15 years old
        var p3 = (await site.VerdictAsync("P3"))!;
        Assert.Equal(Outcomes.Ineligible, p3.Outcome); // UPCR 0.4 g/g
        var inc04 = p3.Criteria.Single(c => c.Id == "INC04");
        Assert.Equal(CriterionStatus.Fail, inc04.Status);
        Assert.Equal($"uploads/{site.SiteId}/labs.csv", Assert.Single(inc04.Evidence).Source);
        Assert.Equal(4, inc04.Evidence[0].Line);
        Assert.Equal(2, p3.Inputs.Count);

        var report = (await site.Store.ReadAsync<IngestionReport>(StorageLayout.ReportsContainer, StorageLayout.ReportBlob($"{site.SiteId}/labs.csv"), CancellationToken.None))!.Value;
        Assert.Equal((3, 3), (report.RowsRead, report.RowsUsed));
        Assert.Equal(["P1", "P2", "P3"], report.Patients);
    }

    [Fact]
    public async Task Processing_the_same_upload_again_changes_nothing()
    {
        var site = SiteScenario.Create(azurite, "dup");
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.DrainAsync();
        var before = await site.VerdictTextAsync("P1");

        await site.ProcessAsync("labs.csv");
        await site.ProcessAsync("patients.csv");
        await site.DrainAsync();

        Assert.Equal(before, await site.VerdictTextAsync("P1"));
        Assert.Equal(1, await site.HistoryCountAsync("P1"));
        Assert.Single(await site.EventsAsync(), e => e["data"]!["patientId"]!.ToString() == "P1");
    }

    [Fact]
    public async Task Copies_of_every_upload_under_new_names_change_no_decision()
    {
        var site = SiteScenario.Create(azurite, "copies");
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.DrainAsync();
        var before = await site.VerdictAsync("P3");

        await site.UploadAndProcessAsync("resent/labs-copy.csv", Labs);
        await site.UploadAndProcessAsync("a-patients-again.csv", Patients);
        await site.DrainAsync();
        var after = (await site.VerdictAsync("P3"))!;

        Assert.Equal(before!.Criteria.Select(c => (c.Id, c.Status, c.Reason)), after.Criteria.Select(c => (c.Id, c.Status, c.Reason)));
        Assert.Single(after.Criteria.Single(c => c.Id == "INC04").Evidence);
        Assert.Equal(4, after.Inputs.Count); // every name the content arrived under is an input
    }

    [Fact]
    public async Task A_manifest_arriving_after_its_files_gives_the_same_verdict_as_before_them()
    {
        var before = SiteScenario.Create(azurite, "order");
        await before.UploadAndProcessAsync("manifest.json", Manifest);
        await before.UploadAndProcessAsync("patients.csv", Patients);
        await before.UploadAndProcessAsync("medications.csv", Medications);
        await before.UploadAndProcessAsync("labs.csv", Labs);
        await before.DrainAsync();

        var after = SiteScenario.Create(azurite, "order");
        await after.UploadAndProcessAsync("labs.csv", Labs);
        await after.UploadAndProcessAsync("medications.csv", Medications);
        await after.UploadAndProcessAsync("patients.csv", Patients);
        await after.DrainAsync();
        Assert.Equal(CriterionStatus.Unknown, (await after.VerdictAsync("P1"))!.Criteria.Single(c => c.Id == "EXC01").Status);
        await after.UploadAndProcessAsync("manifest.json", Manifest);
        await after.DrainAsync();

        foreach (var patient in new[] { "P1", "P2", "P3" })
        {
            var expected = (await before.VerdictTextAsync(patient))!.Replace(before.SiteId, "SITE", StringComparison.Ordinal);
            var actual = (await after.VerdictTextAsync(patient))!.Replace(after.SiteId, "SITE", StringComparison.Ordinal);
            Assert.Equal(expected, actual);
        }

        Assert.Equal(CriterionStatus.Pass, (await after.VerdictAsync("P1"))!.Criteria.Single(c => c.Id == "EXC01").Status);
    }

    [Fact]
    public async Task A_manifest_that_changes_how_a_file_is_read_causes_it_to_be_read_again()
    {
        var site = SiteScenario.Create(azurite, "reread");
        await site.UploadAndProcessAsync("patients.csv", "patient_id,sex,birth_date\nP1,F,12/04/1990\n");
        var first = (await site.Store.ReadAsync<IngestionReport>(StorageLayout.ReportsContainer, StorageLayout.ReportBlob($"{site.SiteId}/patients.csv"), CancellationToken.None))!.Value;
        Assert.Equal(ErrorCodes.AmbiguousDate, Assert.Single(first.Rejections).Code);

        await site.UploadAndProcessAsync("patients.csv.manifest.json", "{ \"dateFormat\": \"dd/MM/yyyy\" }");
        await site.DrainAsync();

        var second = (await site.Store.ReadAsync<IngestionReport>(StorageLayout.ReportsContainer, StorageLayout.ReportBlob($"{site.SiteId}/patients.csv"), CancellationToken.None))!.Value;
        Assert.Empty(second.Rejections);
        Assert.Equal(CriterionStatus.Pass, (await site.VerdictAsync("P1"))!.Criteria.Single(c => c.Id == "INC02").Status);
    }

    // Labs and medications columns in one header: ambiguous until a manifest names the kind.
    private const string LabsWithDrugColumns = "patient_id,collected_at,test_code,value,unit,drug_name,start_date\nP1,2025-05-20,2890-2,1.42,g/g,,\nP2,2025-05-20,2890-2,1.6,g/g,,\nP3,2025-05-10,2890-2,0.4,g/g,,\n";

    [Theory]
    [InlineData("export/labs.csv.manifest.json")]
    [InlineData("export/manifest.json")]
    public async Task A_manifest_naming_the_kind_of_a_quarantined_file_gives_the_same_outcome_as_before_it(string manifest)
    {
        const string Kind = "{ \"kind\": \"labs\" }";
        var first = SiteScenario.Create(azurite, "kindfirst");
        await first.UploadAndProcessAsync("patients.csv", Patients);
        await first.UploadAndProcessAsync(manifest, Kind);
        await first.UploadAndProcessAsync("export/labs.csv", LabsWithDrugColumns);
        await first.DrainAsync();

        var late = SiteScenario.Create(azurite, "kindlate");
        await late.UploadAndProcessAsync("patients.csv", Patients);
        await late.UploadAndProcessAsync("export/labs.csv", LabsWithDrugColumns);
        var quarantined = await ReportAsync(late, "export/labs.csv");
        Assert.Equal(ErrorCodes.FileAmbiguousKind, Assert.Single(quarantined.Rejections).Code);
        await late.UploadAndProcessAsync(manifest, Kind);
        await late.DrainAsync();

        var expected = await ReportAsync(first, "export/labs.csv");
        var actual = await ReportAsync(late, "export/labs.csv");
        Assert.Equal(UploadStatus.Ingested, expected.Status);
        Assert.Equal((expected.Status, expected.Kind, expected.RowsUsed), (actual.Status, actual.Kind, actual.RowsUsed));
        Assert.Null(await late.Store.ReadTextAsync(StorageLayout.QuarantineContainer, $"{late.SiteId}/export/labs.csv", CancellationToken.None));
        foreach (var patient in new[] { "P1", "P2", "P3" })
        {
            var want = (await first.VerdictTextAsync(patient))!.Replace(first.SiteId, "SITE", StringComparison.Ordinal);
            var got = (await late.VerdictTextAsync(patient))!.Replace(late.SiteId, "SITE", StringComparison.Ordinal);
            Assert.Equal(want, got);
        }
    }

    [Fact]
    public async Task A_patient_no_upload_names_any_more_has_no_current_verdict_and_keeps_its_history()
    {
        var site = SiteScenario.Create(azurite, "withdrawn");
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.DrainAsync();
        var first = (await site.VerdictAsync("P2"))!;

        await site.UploadAndProcessAsync("patients.csv", Without("P2", Patients));
        await site.UploadAndProcessAsync("labs.csv", Without("P2", Labs));
        await site.DrainAsync();

        Assert.Null(await site.VerdictTextAsync("P2"));
        var history = await site.Store.ListAsync(StorageLayout.VerdictHistoryContainer, StorageLayout.VerdictHistoryPrefix(site.SiteId, "P2"), CancellationToken.None);
        var kept = (await site.Store.ReadAsync<Verdict>(StorageLayout.VerdictHistoryContainer, Assert.Single(history), CancellationToken.None))!.Value;
        Assert.Equal(ContractJson.ContentDigest(first), ContractJson.ContentDigest(kept));
        Assert.NotNull(await site.VerdictTextAsync("P1"));
        Assert.Single(await site.EventsAsync(), e => e["data"]!["patientId"]!.ToString() == "P2");

        // Named again: a new version after the withdrawn one, announced as a change from it.
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.DrainAsync();

        var back = (await site.VerdictAsync("P2"))!;
        Assert.Equal(ContractJson.ContentDigest(first), ContractJson.ContentDigest(back));
        history = await site.Store.ListAsync(StorageLayout.VerdictHistoryContainer, StorageLayout.VerdictHistoryPrefix(site.SiteId, "P2"), CancellationToken.None);
        Assert.Equal([1, 2], history.Select(n => StorageLayout.VerdictHistoryVersion(n)!.Value).Order());
        var events = (await site.EventsAsync()).Where(e => e["data"]!["patientId"]!.ToString() == "P2").Select(e => e["id"]!.ToString()).ToList();
        Assert.Equal([Results.ResultEvent.IdOf(null, ContractJson.ContentDigest(first)), Results.ResultEvent.IdOf(ContractJson.ContentDigest(first), ContractJson.ContentDigest(back))], events);
    }

    [Fact]
    public async Task A_patient_whose_only_upload_is_quarantined_on_its_re_upload_has_no_current_verdict()
    {
        var site = SiteScenario.Create(azurite, "withdrawn-q");
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.UploadAndProcessAsync("p9.csv", "patient_id,collected_at,test_code,value,unit\nP9,2025-05-20,2890-2,1.42,g/g\n");
        await site.DrainAsync();
        Assert.NotNull(await site.VerdictTextAsync("P9"));

        await site.UploadAndProcessAsync("p9.csv", "name,address\nAlice,1 Main St\n");
        await site.DrainAsync();

        Assert.Null(await site.VerdictTextAsync("P9"));
        Assert.Equal(1, await site.HistoryCountAsync("P9"));
        Assert.NotNull(await site.VerdictTextAsync("P1"));
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_is_quarantined_intact_with_its_report()
    {
        var site = SiteScenario.Create(azurite, "quarantine");
        const string content = "name,address\nAlice,1 Main St\n";
        await site.UploadAndProcessAsync("mystery.csv", content);

        Assert.Equal(content, await site.Store.ReadTextAsync(StorageLayout.QuarantineContainer, $"{site.SiteId}/mystery.csv", CancellationToken.None));
        var report = (await site.Store.ReadAsync<IngestionReport>(StorageLayout.ReportsContainer, StorageLayout.ReportBlob($"{site.SiteId}/mystery.csv"), CancellationToken.None))!.Value;
        Assert.Equal(UploadStatus.Quarantined, report.Status);
        Assert.Equal(ErrorCodes.FileUnknownKind, Assert.Single(report.Rejections).Code);
        Assert.DoesNotContain("Alice", System.Text.Json.JsonSerializer.Serialize(report), StringComparison.Ordinal);
    }

    private static async Task<IngestionReport> ReportAsync(SiteScenario site, string path) =>
        (await site.Store.ReadAsync<IngestionReport>(StorageLayout.ReportsContainer, StorageLayout.ReportBlob($"{site.SiteId}/{path}"), CancellationToken.None))!.Value;

    [Fact]
    public async Task Result_events_follow_the_schema_and_carry_an_id_derived_from_the_verdict_change()
    {
        var site = SiteScenario.Create(azurite, "events");
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.DrainAsync();

        var schema = await JsonSchema.FromFileAsync(Path.Combine(AzuriteFixture.Repository, "schemas", "result-event.schema.json"));
        var events = await site.EventsAsync();
        Assert.Equal(3, events.Count);
        foreach (var resultEvent in events)
        {
            Assert.Empty(schema.Validate(resultEvent.ToString()));
            var verdict = (await site.VerdictAsync(resultEvent["data"]!["patientId"]!.ToString()))!;
            Assert.Equal(Results.ResultEvent.IdOf(null, ContractJson.ContentDigest(verdict)), resultEvent["id"]!.ToString());
        }
    }

    private static string Without(string patientId, string csv) =>
        string.Concat(csv.Split('\n').Where(line => line.Length > 0 && !line.StartsWith(patientId + ",", StringComparison.Ordinal)).Select(line => line + "\n"));
}
