using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>Operator actions: evaluate a site again, and put failed work back on its queues.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class OperationsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Reevaluate_queues_every_patient_of_the_site_once()
    {
        var site = SiteScenario.Create(azurite, "reeval");
        await site.UploadAndProcessAsync("patients.csv", "patient_id,sex,birth_date\nA1,F,1990-01-01\nA2,M,1980-01-01\nA3,F,1970-01-01\n");
        await site.DrainAsync();

        var queued = await site.Services.GetRequiredService<Operations>().ReevaluateAsync(site.SiteId, CancellationToken.None);
        var again = await site.Services.GetRequiredService<Operations>().ReevaluateAsync(site.SiteId, CancellationToken.None);

        Assert.Equal(3, queued);
        Assert.Equal(3, again);
        var messages = await Peek(site, StorageLayout.EvaluateQueue);
        Assert.Equal(3, messages.Count(m => m.SiteId == site.SiteId));
        await site.DrainAsync();
        Assert.Equal(1, await site.HistoryCountAsync("A1"));
    }

    [Fact]
    public async Task Replay_puts_poisoned_work_items_and_quarantined_uploads_back()
    {
        var site = SiteScenario.Create(azurite, "replay");
        var queues = site.Services.GetRequiredService<QueueServiceClient>();
        await queues.GetQueueClient(StorageLayout.EvaluateQueue + "-poison").SendMessageAsync(new PatientWorkItem(site.SiteId, "R1").ToJson());
        await site.UploadAndProcessAsync("patients.csv", "name,address\nAlice,1 Main St\n");
        Assert.True((await site.Store.Blob(StorageLayout.QuarantineContainer, $"{site.SiteId}/patients.csv").ExistsAsync()).Value);

        // The site fixes its export and uploads it again under the same name; replay reads it again.
        await site.UploadAsync("patients.csv", "patient_id,sex,birth_date\nR1,F,1990-01-01\n");
        var result = await site.Services.GetRequiredService<Operations>().ReplayAsync(CancellationToken.None);

        Assert.True(result.EvaluationsRequeued >= 1);
        Assert.True(result.QuarantinedRequeued >= 1);
        await site.DrainAsync();
        var report = (await site.Store.ReadAsync<IngestionReport>(StorageLayout.ReportsContainer, StorageLayout.ReportBlob($"{site.SiteId}/patients.csv"), CancellationToken.None))!.Value;
        Assert.Equal(UploadStatus.Ingested, report.Status);
        Assert.False((await site.Store.Blob(StorageLayout.QuarantineContainer, $"{site.SiteId}/patients.csv").ExistsAsync()).Value);
        Assert.NotNull(await site.VerdictAsync("R1"));
    }

    private static async Task<List<PatientWorkItem>> Peek(SiteScenario site, string queue)
    {
        var client = site.Services.GetRequiredService<QueueServiceClient>().GetQueueClient(queue);
        return (await client.PeekMessagesAsync(32)).Value.Select(m => PatientWorkItem.FromJson(m.Body.ToString())).ToList();
    }
}
