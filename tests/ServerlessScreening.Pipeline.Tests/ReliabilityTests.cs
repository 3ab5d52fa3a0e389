using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ServerlessScreening.Pipeline.Evaluation;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Results;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>Faults the pipeline must shrug off, each named with what it checks, against a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReliabilityTests(AzuriteFixture azurite)
{
    private const string Patients = "patient_id,sex,birth_date,screening_date\nP1,F,1990-04-12,2025-06-01\nP2,M,2010-02-01,2025-06-01\nP3,F,1985-08-20,2025-06-01\n";
    private const string LabsA = "patient_id,collected_at,test_code,value,unit\nP1,2025-05-20,2890-2,1.42,g/g\nP2,2025-05-20,2890-2,1.6,g/g\n";
    private const string LabsB = "patient_id,collected_at,test_code,value,unit\nP3,2025-05-10,2890-2,0.4,g/g\nP1,2025-05-28,2890-2,0.9,g/g\n";
    private const string Medications = "patient_id,drug_name,dose,dose_unit,start_date,end_date\nP1,Mycophenolate mofetil,1000,mg,2024-09-01,\nP3,rituximab,1000,mg,2025-04-01,2025-04-01\n";
    private const string Manifest = "{ \"coverage\": { \"from\": \"2024-06-01\", \"to\": \"2025-06-01\" } }";

    private static readonly (string Name, string Content)[] Files =
        [("patients.csv", Patients), ("labs-a.csv", LabsA), ("labs-b.csv", LabsB), ("medications.csv", Medications), ("manifest.json", Manifest)];

    [Fact]
    public async Task Fault_throttling_500s_and_network_errors_are_retried_and_change_no_verdict()
    {
        var baseline = await SequentialAsync(SiteScenario.Create(azurite, "nofault"));

        var faults = new FaultInjection(rate: 0.2, seed: 42);
        var services = azurite.Pipeline(configure: s => s.AddSingleton<HttpPipelinePolicy>(faults));
        var faulty = await SequentialAsync(new SiteScenario(services, $"faults-{Guid.NewGuid():N}"[..30]));

        Assert.True(faults.Injected > 20, $"only {faults.Injected} faults were injected");
        AssertSameVerdicts(baseline, faulty);
    }

    [Fact]
    public async Task Fault_duplicate_deliveries_of_uploads_and_work_items_write_one_verdict_and_one_event()
    {
        var site = SiteScenario.Create(azurite, "dupes");
        foreach (var (name, content) in Files)
        {
            await site.UploadAsync(name, content);
        }

        // Every upload delivered three times at once, as a retried or duplicated trigger would.
        await Task.WhenAll(Files.SelectMany(f => Enumerable.Repeat(f.Name, 3)).Select(site.ProcessAsync));

        // Every queued work item delivered three times at once.
        await site.DrainAsync(copies: 3);

        foreach (var patient in new[] { "P1", "P2", "P3" })
        {
            Assert.Equal(1, await site.HistoryCountAsync(patient));
            Assert.Single(await site.EventsAsync(), e => e["data"]!["patientId"]!.ToString() == patient);
        }
    }

    [Fact]
    public async Task Fault_evaluation_stopped_after_writing_its_verdict_is_completed_by_the_retry_without_a_second_version()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = azurite.Pipeline(time, configure: s => s.AddSingleton<IResultPublisher>(sp =>
            new FailingFirstPublisher(new StorageQueueResultPublisher(sp.GetRequiredService<QueueServiceClient>(), sp.GetRequiredService<IOptions<ResultsOptions>>()))));
        var site = new SiteScenario(services, $"stopped-{Guid.NewGuid():N}"[..30]);
        await site.UploadAndProcessAsync("patients.csv", Patients);
        var item = await ReceiveWorkItemAsync(services, site, "P1");
        var evaluator = services.GetRequiredService<PatientEvaluator>();

        // The first delivery writes the verdict and its history, then fails to publish (as a crash there would).
        await Assert.ThrowsAsync<RequestFailedException>(() => evaluator.EvaluateAsync(item, CancellationToken.None));
        Assert.NotNull(await site.VerdictAsync("P1"));
        Assert.Empty(await site.EventsAsync());

        // A duplicate delivered at once leaves publishing to the writer; the retry after the visibility timeout publishes.
        await evaluator.EvaluateAsync(item, CancellationToken.None);
        Assert.Empty(await site.EventsAsync());
        time.Advance(TimeSpan.FromSeconds(10));
        await evaluator.EvaluateAsync(item, CancellationToken.None);
        await evaluator.EvaluateAsync(item, CancellationToken.None);

        Assert.Equal(1, await site.HistoryCountAsync("P1"));
        Assert.Single(await site.EventsAsync(), e => e["data"]!["patientId"]!.ToString() == "P1");
    }

    [Fact]
    public async Task Fault_evaluation_stopped_before_its_history_then_superseded_keeps_both_versions_and_both_events()
    {
        var stop = new FailFirstMatch(m => m.Request.Method == RequestMethod.Put
            && m.Request.Uri.Path.Contains("/" + StorageLayout.VerdictHistoryContainer + "/", StringComparison.Ordinal));
        stop.Arm();
        var services = azurite.Pipeline(configure: s => s.AddSingleton<HttpPipelinePolicy>(stop));
        var site = new SiteScenario(services, $"superseded-{Guid.NewGuid():N}"[..30]);
        await site.UploadAndProcessAsync("patients.csv", Patients);
        var item = await ReceiveWorkItemAsync(services, site, "P1");
        var evaluator = services.GetRequiredService<PatientEvaluator>();

        // The first evaluation writes P1's verdict and stops before its history entry and event, as a crash there would.
        await Assert.ThrowsAsync<InvalidOperationException>(() => evaluator.EvaluateAsync(item, CancellationToken.None));
        Assert.NotNull(await site.VerdictAsync("P1"));
        Assert.Equal(0, await site.HistoryCountAsync("P1"));

        // New labs change P1's verdict before the stopped evaluation is retried: the first version is not lost.
        await site.UploadAndProcessAsync("labs-a.csv", LabsA);
        await site.DrainAsync();

        Assert.Equal(2, await site.HistoryCountAsync("P1"));
        Assert.Equal(2, (await site.EventsAsync()).Count(e => e["data"]!["patientId"]!.ToString() == "P1"));
    }

    [Fact]
    public async Task Fault_concurrent_uploads_for_one_patient_end_in_the_same_verdict_as_one_ordered_run()
    {
        var ordered = await SequentialAsync(SiteScenario.Create(azurite, "ordered"));

        var concurrent = SiteScenario.Create(azurite, "concurrent");
        foreach (var (name, content) in Files)
        {
            await concurrent.UploadAsync(name, content);
        }

        await Task.WhenAll(Files.Reverse().Select(f => concurrent.ProcessAsync(f.Name)));
        await concurrent.DrainAsync();

        AssertSameVerdicts(ordered, concurrent);
    }

    [Fact]
    public async Task Fault_reupload_stopped_before_its_report_is_completed_by_the_retry_with_its_new_patients()
    {
        var stop = new FailFirstMatch(m => m.Request.Method == RequestMethod.Put && m.Request.Uri.Path.EndsWith("/labs.csv.report.json", StringComparison.Ordinal));
        var services = azurite.Pipeline(configure: s => s.AddSingleton<HttpPipelinePolicy>(stop));
        var site = new SiteScenario(services, $"reupload-{Guid.NewGuid():N}"[..30]);
        await site.UploadAndProcessAsync("patients.csv", "patient_id,sex,birth_date,screening_date\nP1,F,1990-04-12,2025-06-01\nP2,M,2010-02-01,2025-06-01\n");
        await site.UploadAndProcessAsync("labs.csv", LabsA);
        await site.DrainAsync();

        // The new version is committed in the catalog, then the host stops before its report is written.
        stop.Arm();
        await site.UploadAsync("labs.csv", LabsB);
        await Assert.ThrowsAsync<InvalidOperationException>(() => site.ProcessAsync("labs.csv"));

        // The trigger's retry must finish the new version, not take the old report for it.
        await site.ProcessAsync("labs.csv");
        await site.DrainAsync();

        var report = (await site.Store.ReadAsync<IngestionReport>(StorageLayout.ReportsContainer, StorageLayout.ReportBlob($"{site.SiteId}/labs.csv"), CancellationToken.None))!.Value;
        Assert.Equal(["P1", "P3"], report.Patients);
        var p3 = await site.VerdictAsync("P3");
        Assert.NotNull(p3);
        Assert.Equal(CriterionStatus.Fail, p3.Criteria.Single(c => c.Id == "INC04").Status); // UPCR 0.4 g/g, only in the new version
    }

    [Fact]
    public async Task Fault_an_older_read_of_a_reupload_committing_last_does_not_replace_the_newer_version()
    {
        var hold = new HoldFirstMatch(m => m.Request.Method == RequestMethod.Put
            && m.Request.Uri.Path.Contains("/" + StorageLayout.StateContainer + "/", StringComparison.Ordinal)
            && m.Request.Uri.Path.EndsWith("/catalog.json", StringComparison.Ordinal));
        var services = azurite.Pipeline(configure: s => s.AddSingleton<HttpPipelinePolicy>(hold));
        var site = new SiteScenario(services, $"overtaken-{Guid.NewGuid():N}"[..30]);
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.DrainAsync();

        // A reads the first version and is paused just before committing it.
        await site.UploadAsync("labs.csv", LabsA);
        hold.Arm();
        var older = site.ProcessAsync("labs.csv");
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        // Meanwhile the site replaces the file and B ingests the new version to the end.
        await site.UploadAndProcessAsync("labs.csv", LabsB);
        hold.Release();
        await older;
        await site.DrainAsync();

        var catalog = (await site.Store.ReadAsync<SiteCatalog>(StorageLayout.StateContainer, StorageLayout.CatalogBlob(site.SiteId), CancellationToken.None))!.Value;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(LabsB))), catalog.Find($"{site.SiteId}/labs.csv")!.Sha256);
        var p3 = (await site.VerdictAsync("P3"))!;
        var inc04 = p3.Criteria.Single(c => c.Id == "INC04");
        Assert.Equal(CriterionStatus.Fail, inc04.Status); // UPCR 0.4 g/g, only in the newer version
        Assert.Equal("2025-05-10", Assert.Single(inc04.Evidence).Date);
    }

    [Fact]
    public async Task Fault_an_evaluation_that_found_no_facts_does_not_withdraw_a_verdict_written_from_facts_committed_since()
    {
        // The first look at P1's current verdict (the one a withdrawal makes) is held.
        var site = default(SiteScenario);
        var hold = new HoldFirstMatch(m => m.Request.Method == RequestMethod.Head
            && m.Request.Uri.Path.EndsWith("/" + StorageLayout.VerdictsContainer + "/" + StorageLayout.VerdictBlob(site!.SiteId, "P1"), StringComparison.Ordinal));
        var services = azurite.Pipeline(configure: s => s.AddSingleton<HttpPipelinePolicy>(hold));
        site = new SiteScenario(services, $"late-withdrawal-{Guid.NewGuid():N}"[..30]);

        // An evaluation of P1 finds no committed upload naming P1, and is paused as it looks at P1's verdict.
        hold.Arm();
        var early = services.GetRequiredService<PatientEvaluator>().EvaluateAsync(new PatientWorkItem(site.SiteId, "P1", null, DateTimeOffset.UtcNow), CancellationToken.None);
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        // Meanwhile P1's upload is committed and evaluated, which writes P1's verdict.
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.DrainAsync();
        Assert.NotNull(await site.VerdictAsync("P1"));

        hold.Release();
        await early;

        Assert.NotNull(await site.VerdictAsync("P1"));
    }

    private sealed class FailingFirstPublisher(IResultPublisher inner) : IResultPublisher
    {
        private int _calls;

        public string Transport => inner.Transport;

        public Task PublishAsync(ResultEvent resultEvent, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new RequestFailedException(503, "injected: the publisher is unavailable")
                : inner.PublishAsync(resultEvent, cancellationToken);
    }

    /// <summary>Takes the site's queued evaluations off the queue, as a trigger would, and returns the patient's work item.</summary>
    private static async Task<PatientWorkItem> ReceiveWorkItemAsync(IServiceProvider services, SiteScenario site, string patientId)
    {
        var evaluate = services.GetRequiredService<QueueServiceClient>().GetQueueClient(StorageLayout.EvaluateQueue);
        return (await evaluate.ReceiveMessagesAsync(32)).Value
            .Select(m => PatientWorkItem.FromJson(m.Body.ToString()))
            .First(i => i.SiteId == site.SiteId && i.PatientId == patientId);
    }

    private static async Task<SiteScenario> SequentialAsync(SiteScenario site)
    {
        foreach (var (name, content) in Files)
        {
            await site.UploadAndProcessAsync(name, content);
        }

        await site.DrainAsync();
        return site;
    }

    private static void AssertSameVerdicts(SiteScenario expected, SiteScenario actual)
    {
        foreach (var patient in new[] { "P1", "P2", "P3" })
        {
            var want = expected.VerdictTextAsync(patient).GetAwaiter().GetResult()!.Replace(expected.SiteId, "SITE", StringComparison.Ordinal);
            var got = actual.VerdictTextAsync(patient).GetAwaiter().GetResult()!.Replace(actual.SiteId, "SITE", StringComparison.Ordinal);
            Assert.Equal(want, got);
        }
    }
}
