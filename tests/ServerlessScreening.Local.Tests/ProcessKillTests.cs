using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using ServerlessScreening.Pipeline;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Local.Tests;

/// <summary>
/// Fault: the local host process is killed (SIGKILL, no chance to clean up) in the middle of evaluations, restarted,
/// killed again in the middle of an ingestion, and restarted. Checks that nothing is lost (every patient gets its
/// verdict and its event) and nothing is duplicated (one verdict version per state, one event id per verdict change).
/// </summary>
public sealed class ProcessKillTests : IAsyncLifetime
{
    private const string Site = "site-kill";
    private const int PatientCount = 400;
    private Azurite? _azurite;
    private ServiceProvider? _services;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync(Repository.Root(), CancellationToken.None, inMemory: true);
        _services = LocalHost.Services(_azurite.ConnectionString);
        await _services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    /// <remarks>
    /// Queue triggers (and the blob trigger's internal queue) dequeue with a ten-minute invisibility that the platform
    /// does not let anyone change, so recovery after a kill takes up to ten minutes, and so does this test. Polling blob
    /// triggers may also take a minute or more to notice a new blob. The test runs beside the other test projects.
    /// </remarks>
    [Fact]
    public async Task Fault_host_killed_mid_ingest_and_mid_evaluation_loses_and_duplicates_nothing()
    {
        var store = _services!.GetRequiredService<ScreeningStore>();
        await Upload(store, "patients.csv", Patients());
        await Upload(store, "labs-a.csv", Labs(rowsPerPatient: 1, month: 4));

        // Kill 1, mid-evaluation: the first uploads are read and their evaluations are under way.
        var host = StartHost();
        await WaitUntil(async () => await VerdictCount(store) > 20, "evaluation to start", poll: TimeSpan.FromMilliseconds(100));
        var verdictsAtKill = await VerdictCount(store);
        Kill(host);
        Assert.True(verdictsAtKill < PatientCount, "the kill came after every evaluation finished");

        // Kill 2, mid-ingest: a large second upload is being read, its facts partly written, not yet committed.
        var factsBefore = (await store.ListAsync(StorageLayout.FactsContainer, Site + "/", CancellationToken.None)).Count;
        await Upload(store, "labs-b.csv", Labs(rowsPerPatient: 200, month: 5));
        host = StartHost();
        await WaitUntil(async () => (await store.ListAsync(StorageLayout.FactsContainer, Site + "/", CancellationToken.None)).Count > factsBefore + 200, "the second upload's ingestion to start", TimeSpan.FromMinutes(5), Diagnose, TimeSpan.FromMilliseconds(100));
        var secondCommitted = (await store.Blob(StorageLayout.ReportsContainer, $"{Site}/labs-b.csv.report.json").ExistsAsync()).Value;
        Kill(host);
        Assert.False(secondCommitted, "the kill came after the second upload was committed; it is too small for this machine");

        host = StartHost();
        try
        {
            await WaitUntil(
                async () => (await store.Blob(StorageLayout.ReportsContainer, $"{Site}/labs-b.csv.report.json").ExistsAsync()).Value && await VerdictCount(store) == PatientCount && await Idle() && await AllReflectSecondUpload(store),
                "every verdict to reflect both uploads",
                TimeSpan.FromMinutes(14),
                Diagnose);
        }
        finally
        {
            Kill(host);
        }

        // Three uploads touch every patient, so its verdict can take at most three states (their commit order decides
        // which); a kill adds no version: versions are numbered 1..n without gaps and no state is recorded twice.
        var history = await store.ListAsync(StorageLayout.VerdictHistoryContainer, Site + "/", CancellationToken.None);
        var versions = history.GroupBy(h => h.Split('/')[1]).ToDictionary(g => g.Key, g => g.Select(h => Path.GetFileNameWithoutExtension(h).Split('-')).ToList());
        Assert.Equal(PatientCount, versions.Count);
        Assert.All(versions.Values, patientVersions =>
        {
            Assert.InRange(patientVersions.Count, 1, 3);
            Assert.Equal(Enumerable.Range(1, patientVersions.Count), patientVersions.Select(v => int.Parse(v[0], CultureInfo.InvariantCulture)).Order());
            Assert.Equal(patientVersions.Count, patientVersions.Select(v => v[1]).Distinct().Count());
        });
        var events = await Events();
        Assert.Equal(history.Count, events.Distinct().Count());
        // An evaluation killed between publishing its event and recording that it did publishes again with the same id
        // (at least once; the id lets consumers and Service Bus duplicate detection drop it). Only evaluations in
        // flight at a kill can do that: at most host.json's batchSize + newBatchThreshold (64) per kill.
        Assert.True(events.Count - history.Count <= 2 * 64, $"{events.Count - history.Count} events repeated, more than the evaluations in flight at the two kills");
    }

    private static async Task<bool> AllReflectSecondUpload(ScreeningStore store)
    {
        var sample = Enumerable.Range(0, PatientCount).Where(i => i % 97 == 0).Select(i => $"K{i:D5}");
        foreach (var patient in sample)
        {
            var verdict = await store.ReadTextAsync(StorageLayout.VerdictsContainer, StorageLayout.VerdictBlob(Site, patient), CancellationToken.None);
            if (verdict is null || !verdict.Contains("labs-b.csv", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private async Task<bool> Idle()
    {
        var queues = _services!.GetRequiredService<QueueServiceClient>();
        foreach (var name in new[] { StorageLayout.EvaluateQueue, StorageLayout.IngestQueue })
        {
            if ((await queues.GetQueueClient(name).GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            {
                return false;
            }
        }

        return !await _services!.GetRequiredService<EvaluationScheduler>().AnyPendingAsync(Site, CancellationToken.None);
    }

    private async Task<List<string>> Events()
    {
        var queue = _services!.GetRequiredService<QueueServiceClient>().GetQueueClient("screening-results");
        var ids = new List<string>();
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } messages)
        {
            ids.AddRange(messages.Select(m => Newtonsoft.Json.Linq.JObject.Parse(m.Body.ToString())["id"]!.ToString()));
        }

        return ids;
    }

    private static async Task<int> VerdictCount(ScreeningStore store) =>
        (await store.ListAsync(StorageLayout.VerdictsContainer, Site + "/", CancellationToken.None)).Count;

    private Process StartHost()
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "screening.dll"));
        start.ArgumentList.Add("host");
        start.ArgumentList.Add("--connection");
        start.ArgumentList.Add(_azurite!.ConnectionString);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Kill(Process process)
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<Task<string>>? diagnose = null, TimeSpan? poll = null)
    {
        var started = DateTime.UtcNow;
        var deadline = started + (timeout ?? TimeSpan.FromMinutes(2));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}" + (diagnose is null ? string.Empty : ": " + await diagnose()));
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(500));
        }

        Console.WriteLine($"waited {(DateTime.UtcNow - started).TotalSeconds:0.0} s for {what}");
    }

    private async Task<string> Diagnose()
    {
        var queues = _services!.GetRequiredService<QueueServiceClient>();
        var text = new StringBuilder();
        await foreach (var queue in queues.GetQueuesAsync())
        {
            text.Append(CultureInfo.InvariantCulture, $"{queue.Name}={(await queues.GetQueueClient(queue.Name).GetPropertiesAsync()).Value.ApproximateMessagesCount} ");
        }

        var blobs = new Azure.Storage.Blobs.BlobServiceClient(_azurite!.ConnectionString);
        await foreach (var item in blobs.GetBlobContainerClient("azure-webjobs-hosts").GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.Metadata, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {item.Name} lease={item.Properties.LeaseState} meta={string.Join(",", item.Metadata.Select(m => m.Key + ":" + m.Value))} ");
        }

        return text.ToString();
    }

    private static async Task Upload(ScreeningStore store, string name, string content) =>
        await store.Blob(StorageLayout.UploadsContainer, $"{Site}/{name}").UploadAsync(BinaryData.FromString(content), overwrite: true);

    private static string Patients()
    {
        var text = new StringBuilder("patient_id,sex,birth_date,screening_date\n");
        for (var i = 0; i < PatientCount; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"K{i:D5},{(i % 2 == 0 ? "F" : "M")},{1960 + (i % 45)}-03-0{1 + (i % 9)},2025-06-01\n");
        }

        return text.ToString();
    }

    private static string Labs(int rowsPerPatient, int month)
    {
        var text = new StringBuilder("patient_id,collected_at,test_code,value,unit\n");
        for (var i = 0; i < PatientCount; i++)
        {
            for (var j = 0; j < rowsPerPatient; j++)
            {
                text.Append(CultureInfo.InvariantCulture, $"K{i:D5},2025-0{month}-{10 + (j % 19)},2890-2,{(i + j) % 30 / 10.0:0.0},g/g\n");
            }
        }

        return text.ToString();
    }
}
