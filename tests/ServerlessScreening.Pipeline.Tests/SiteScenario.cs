using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using ServerlessScreening.Pipeline.Evaluation;
using ServerlessScreening.Pipeline.Ingestion;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>
/// Drives the pipeline for one site the way the functions do: an upload is processed as the blob trigger would,
/// and queued work items are taken off the real queues and handed to the same services the queue triggers call.
/// </summary>
internal sealed class SiteScenario(ServiceProvider services, string siteId)
{
    public string SiteId { get; } = siteId;

    public ScreeningStore Store { get; } = services.GetRequiredService<ScreeningStore>();

    public ServiceProvider Services => services;

    public static SiteScenario Create(AzuriteFixture azurite, string prefix) =>
        new(azurite.Pipeline(), $"{prefix}-{Guid.NewGuid():N}"[..30]);

    public async Task UploadAsync(string path, string content) =>
        await Store.Blob(StorageLayout.UploadsContainer, $"{SiteId}/{path}").UploadAsync(BinaryData.FromString(content), overwrite: true);

    public Task ProcessAsync(string path) =>
        services.GetRequiredService<UploadProcessor>().ProcessAsync($"{SiteId}/{path}", null, CancellationToken.None);

    public async Task UploadAndProcessAsync(string path, string content)
    {
        await UploadAsync(path, content);
        await ProcessAsync(path);
    }

    /// <summary>Runs queued ingest requests and evaluations until both queues are empty; each work item is delivered <paramref name="copies"/> times at once.</summary>
    public async Task DrainAsync(int copies = 1)
    {
        var queues = services.GetRequiredService<QueueServiceClient>();
        var evaluate = queues.GetQueueClient(StorageLayout.EvaluateQueue);
        var ingest = queues.GetQueueClient(StorageLayout.IngestQueue);
        while (true)
        {
            var ingestMessages = (await ingest.ReceiveMessagesAsync(32)).Value;
            foreach (var message in ingestMessages)
            {
                await services.GetRequiredService<UploadProcessor>().ProcessAsync(IngestRequest.FromJson(message.Body.ToString()).Upload, null, CancellationToken.None);
                await ingest.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            var evaluateMessages = (await evaluate.ReceiveMessagesAsync(32)).Value;
            foreach (var message in evaluateMessages)
            {
                var item = PatientWorkItem.FromJson(message.Body.ToString());
                await Task.WhenAll(Enumerable.Range(0, copies).Select(_ => services.GetRequiredService<PatientEvaluator>().EvaluateAsync(item, CancellationToken.None)));
                await evaluate.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            if (ingestMessages.Length == 0 && evaluateMessages.Length == 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Takes this site's site-report requests off the queue, as the queue trigger would receive them (the queue is
    /// shared: other sites' requests are left for their own tests).
    /// </summary>
    public async Task<List<SiteReportRequest>> TakeSiteReportRequestsAsync()
    {
        var queue = services.GetRequiredService<QueueServiceClient>().GetQueueClient(StorageLayout.SiteReportQueue);
        var taken = new List<SiteReportRequest>();
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(32)).Value;
            if (messages.Length == 0)
            {
                return taken;
            }

            foreach (var message in messages)
            {
                var request = SiteReportRequest.FromJson(message.Body.ToString());
                if (request.SiteId == SiteId)
                {
                    taken.Add(request);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
            }
        }
    }

    public async Task<Verdict?> VerdictAsync(string patientId) =>
        (await Store.ReadAsync<Verdict>(StorageLayout.VerdictsContainer, StorageLayout.VerdictBlob(SiteId, patientId), CancellationToken.None))?.Value;

    public async Task<string?> VerdictTextAsync(string patientId) =>
        await Store.ReadTextAsync(StorageLayout.VerdictsContainer, StorageLayout.VerdictBlob(SiteId, patientId), CancellationToken.None);

    public async Task<int> HistoryCountAsync(string patientId) =>
        (await Store.ListAsync(StorageLayout.VerdictHistoryContainer, $"{SiteId}/{StorageLayout.PatientKey(patientId)}/", CancellationToken.None)).Count;

    /// <summary>The result events published for this site (peeked, left on the queue).</summary>
    public async Task<List<JObject>> EventsAsync()
    {
        var name = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ResultsOptions>>().Value.QueueName;
        var queue = services.GetRequiredService<QueueServiceClient>().GetQueueClient(name);
        var events = new List<JObject>();
        foreach (var message in (await queue.PeekMessagesAsync(32)).Value)
        {
            var json = JObject.Parse(Encoding.UTF8.GetString(message.Body.ToArray()));
            if (json["data"]?["siteId"]?.ToString() == SiteId)
            {
                events.Add(json);
            }
        }

        return events;
    }
}
