using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>How evaluation requests are coalesced and delayed, against a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EvaluationSchedulerTests(AzuriteFixture azurite)
{
    private const string Patients = "patient_id,sex,birth_date,screening_date\nP1,F,1990-04-12,2025-06-01\nP2,M,1980-02-01,2025-06-01\n";
    private const string Labs = "patient_id,collected_at,test_code,value,unit\nP1,2025-05-20,2890-2,1.42,g/g\nP2,2025-05-20,2890-2,1.6,g/g\n";
    private const string Medications = "patient_id,drug_name,dose,dose_unit,start_date,end_date\nP1,Mycophenolate mofetil,1000,mg,2024-09-01,\n";

    [Fact]
    public async Task Files_of_one_export_read_within_the_evaluation_delay_give_one_evaluation_per_patient()
    {
        var delay = TimeSpan.FromSeconds(3);
        var services = azurite.Pipeline(settings: new Dictionary<string, string?> { ["Screening:EvaluationDelay"] = delay.ToString() });
        var site = new SiteScenario(services, $"burst-{Guid.NewGuid():N}"[..30]);
        var evaluate = services.GetRequiredService<QueueServiceClient>().GetQueueClient(StorageLayout.EvaluateQueue);
        var requested = DateTimeOffset.UtcNow;

        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.UploadAndProcessAsync("medications.csv", Medications);

        // One message per patient, whatever the number of files, and none deliverable before the delay. The queue is
        // shared: another test's requests may be visible in it (e.g. released after that test ended), so only this
        // site's count.
        var early = (await evaluate.PeekMessagesAsync(32)).Value
            .Where(m => PatientWorkItem.FromJson(m.Body.ToString()).SiteId == site.SiteId);
        if (DateTimeOffset.UtcNow - requested < delay)
        {
            Assert.Empty(early);
        }

        // Other tests' work may share the queue: drain until this site's patients are evaluated.
        await WaitUntilAsync(
            async () =>
            {
                await site.DrainAsync();
                return await site.HistoryCountAsync("P1") > 0 && await site.HistoryCountAsync("P2") > 0;
            },
            TimeSpan.FromSeconds(30));
        Assert.True(DateTimeOffset.UtcNow - requested >= delay, "evaluated before the delay was over");

        foreach (var patient in new[] { "P1", "P2" })
        {
            Assert.Equal(1, await site.HistoryCountAsync(patient));
            Assert.Single(await site.EventsAsync(), e => e["data"]!["patientId"]!.ToString() == patient);
        }

        var inputs = (await site.VerdictAsync("P1"))!.Inputs.Select(i => i.Blob).ToList();
        Assert.Contains(inputs, i => i.EndsWith("/labs.csv", StringComparison.Ordinal));
        Assert.Contains(inputs, i => i.EndsWith("/medications.csv", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Facts_committed_after_an_evaluation_started_request_another_through_the_same_marker()
    {
        var services = azurite.Pipeline();
        var site = new SiteScenario(services, $"again-{Guid.NewGuid():N}"[..30]);
        var scheduler = services.GetRequiredService<EvaluationScheduler>();

        await site.UploadAndProcessAsync("patients.csv", Patients);
        Assert.True(await scheduler.AnyPendingAsync(site.SiteId, CancellationToken.None));
        await site.DrainAsync();
        Assert.False(await scheduler.AnyPendingAsync(site.SiteId, CancellationToken.None));

        await site.UploadAndProcessAsync("labs.csv", Labs);
        Assert.True(await scheduler.AnyPendingAsync(site.SiteId, CancellationToken.None));
        await site.DrainAsync();

        Assert.False(await scheduler.AnyPendingAsync(site.SiteId, CancellationToken.None));
        Assert.Equal(2, await site.HistoryCountAsync("P1"));
        Assert.Contains((await site.VerdictAsync("P1"))!.Inputs, i => i.Blob.EndsWith("/labs.csv", StringComparison.Ordinal));

        // One marker per patient, kept and flipped back to started rather than deleted and created again.
        var markers = new List<BlobItem>();
        await foreach (var item in site.Store.Container(StorageLayout.StateContainer).GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, StorageLayout.PendingPrefix(site.SiteId), CancellationToken.None))
        {
            markers.Add(item);
        }

        Assert.Equal(["P1", "P2"], markers.Select(m => m.Name[StorageLayout.PendingPrefix(site.SiteId).Length..]).Order(StringComparer.Ordinal));
        Assert.All(markers, m => Assert.Equal("started", m.Metadata["state"]));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(200);
        }
    }
}
