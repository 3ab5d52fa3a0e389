using System.Text;
using Azure.Storage.Queues;
using Newtonsoft.Json.Linq;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline;

/// <summary>What `screening replay` did.</summary>
public sealed record ReplayResult(int EvaluationsRequeued, int IngestionsRequeued, int QuarantinedRequeued, int BlobTriggerFailuresRequeued);

/// <summary>
/// Operator actions on a deployed (or local) pipeline: evaluate every patient again after a protocol change, and put
/// work that kept failing back on its queue after a fix. Both only enqueue; the running hosts do the work, with the
/// same idempotency as first time round.
/// </summary>
public sealed class Operations(ScreeningStore store, QueueServiceClient queues, EvaluationScheduler scheduler, IIngestQueue ingest)
{
    /// <summary>The poison queue the blob trigger uses for uploads that failed five times.</summary>
    public const string BlobTriggerPoisonQueue = "webjobs-blobtrigger-poison";

    /// <summary>Requests evaluation of every patient of one site, or of every site; returns how many were requested.</summary>
    public async Task<int> ReevaluateAsync(string? siteId, CancellationToken cancellationToken)
    {
        var sites = siteId is not null
            ? [siteId]
            : (await store.ListFoldersAsync(StorageLayout.FactsContainer, string.Empty, cancellationToken)).Select(f => f.TrimEnd('/')).ToList();
        var count = 0;
        foreach (var site in sites)
        {
            var patients = await store.ListFoldersAsync(StorageLayout.FactsContainer, site + "/", cancellationToken);
            await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (folder, token) =>
            {
                await scheduler.RequestAsync(site, StorageLayout.PatientIdOf(folder[(site.Length + 1)..^1]), null, token);
                Interlocked.Increment(ref count);
            });
        }

        return count;
    }

    /// <summary>Moves poisoned work items back to their queues and asks for quarantined and failed uploads to be read again.</summary>
    public async Task<ReplayResult> ReplayAsync(CancellationToken cancellationToken)
    {
        var evaluations = await MoveAsync(StorageLayout.EvaluateQueue + "-poison", StorageLayout.EvaluateQueue, cancellationToken);
        var ingestions = await MoveAsync(StorageLayout.IngestQueue + "-poison", StorageLayout.IngestQueue, cancellationToken);

        var quarantined = 0;
        foreach (var upload in await store.ListAsync(StorageLayout.QuarantineContainer, string.Empty, cancellationToken))
        {
            if (StorageLayout.SiteOf(upload) is not null && (await store.Blob(StorageLayout.UploadsContainer, upload).ExistsAsync(cancellationToken)).Value)
            {
                await ingest.SendAsync(new IngestRequest(upload, "replay of a quarantined upload"), cancellationToken);
                quarantined++;
            }
        }

        var blobFailures = 0;
        var poison = queues.GetQueueClient(BlobTriggerPoisonQueue);
        if ((await poison.ExistsAsync(cancellationToken)).Value)
        {
            var raw = poison;
            while ((await raw.ReceiveMessagesAsync(32, cancellationToken: cancellationToken)).Value is { Length: > 0 } messages)
            {
                foreach (var message in messages)
                {
                    JObject failure;
                    try
                    {
                        failure = JObject.Parse(Decode(message.Body));
                    }
                    catch (Newtonsoft.Json.JsonReaderException)
                    {
                        continue;
                    }

                    if (failure.Value<string>("ContainerName") == StorageLayout.UploadsContainer && failure.Value<string>("BlobName") is { } blob)
                    {
                        await ingest.SendAsync(new IngestRequest(blob, "replay of an upload the blob trigger gave up on"), cancellationToken);
                        blobFailures++;
                    }

                    await raw.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                }
            }
        }

        return new ReplayResult(evaluations, ingestions, quarantined, blobFailures);
    }

    private async Task<int> MoveAsync(string from, string to, CancellationToken cancellationToken)
    {
        var source = queues.GetQueueClient(from);
        if (!(await source.ExistsAsync(cancellationToken)).Value)
        {
            return 0;
        }

        var target = queues.GetQueueClient(to);
        var moved = 0;
        while ((await source.ReceiveMessagesAsync(32, cancellationToken: cancellationToken)).Value is { Length: > 0 } messages)
        {
            foreach (var message in messages)
            {
                await target.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
                await source.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                moved++;
            }
        }

        return moved;
    }

    // The queue clients decode base64; a message that was not base64 arrives as its raw bytes.
    private static string Decode(BinaryData body) => Encoding.UTF8.GetString(body.ToArray()).TrimStart('\uFEFF');
}
