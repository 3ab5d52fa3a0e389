using Azure.Storage.Queues;
using Newtonsoft.Json;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Queueing;

/// <summary>
/// "Evaluate this patient": a claim check, never the facts themselves, so messages stay a few hundred bytes,
/// far below the 64 KB queue limit. <see cref="TraceParent"/> carries the W3C trace context across the queue.
/// </summary>
public sealed record PatientWorkItem(string SiteId, string PatientId, string? TraceParent = null, DateTimeOffset? RequestedAt = null)
{
    public string ToJson() => JsonConvert.SerializeObject(this, Formatting.None, ContractJson.Settings);

    public static PatientWorkItem FromJson(string json) => ContractJson.Deserialize<PatientWorkItem>(json);
}

/// <summary>"Read this upload again": after a manifest that changes how it is read arrives, or when an operator replays it.</summary>
public sealed record IngestRequest(string Upload, string Reason, string? TraceParent = null)
{
    public string ToJson() => JsonConvert.SerializeObject(this, Formatting.None, ContractJson.Settings);

    public static IngestRequest FromJson(string json) => ContractJson.Deserialize<IngestRequest>(json);
}

/// <summary>
/// "Rebuild this site's screening report": sent after an upload is processed, once its evaluations are requested.
/// <see cref="RequestedAt"/> is when the first request was sent; a request that re-queues itself keeps it.
/// </summary>
public sealed record SiteReportRequest(string SiteId, string? TraceParent = null, DateTimeOffset? RequestedAt = null)
{
    public string ToJson() => JsonConvert.SerializeObject(this, Formatting.None, ContractJson.Settings);

    public static SiteReportRequest FromJson(string json) => ContractJson.Deserialize<SiteReportRequest>(json);
}

/// <summary>The transport that carries patients to evaluation. Storage queues here; another transport is a deployment choice behind this interface.</summary>
public interface IPatientQueue
{
    /// <summary>Sends the work item, to be delivered no sooner than <paramref name="visibleAfter"/> from now.</summary>
    Task SendAsync(PatientWorkItem item, TimeSpan visibleAfter, CancellationToken cancellationToken);
}

/// <summary>The transport that carries uploads to be read again.</summary>
public interface IIngestQueue
{
    Task SendAsync(IngestRequest request, CancellationToken cancellationToken);
}

/// <summary>The transport that carries site-report rebuilds.</summary>
public interface ISiteReportQueue
{
    /// <summary>Sends the request, to be delivered no sooner than <paramref name="visibleAfter"/> from now.</summary>
    Task SendAsync(SiteReportRequest request, TimeSpan visibleAfter, CancellationToken cancellationToken);
}

/// <summary>The work queues on Azure Storage queues. The queue clients encode messages in base64, which is what the queue triggers of both hosts expect.</summary>
public sealed class StorageWorkQueues(QueueServiceClient queues) : IPatientQueue, IIngestQueue, ISiteReportQueue
{
    private readonly QueueClient _siteReports = queues.GetQueueClient(StorageLayout.SiteReportQueue);
    private readonly QueueClient _evaluate = queues.GetQueueClient(StorageLayout.EvaluateQueue);
    private readonly QueueClient _ingest = queues.GetQueueClient(StorageLayout.IngestQueue);

    public Task SendAsync(PatientWorkItem item, TimeSpan visibleAfter, CancellationToken cancellationToken) =>
        _evaluate.SendMessageAsync(item?.ToJson(), visibleAfter > TimeSpan.Zero ? visibleAfter : null, cancellationToken: cancellationToken);

    public Task SendAsync(IngestRequest request, CancellationToken cancellationToken) =>
        _ingest.SendMessageAsync(request?.ToJson(), cancellationToken);

    public Task SendAsync(SiteReportRequest request, TimeSpan visibleAfter, CancellationToken cancellationToken) =>
        _siteReports.SendMessageAsync(request?.ToJson(), visibleAfter > TimeSpan.Zero ? visibleAfter : null, cancellationToken: cancellationToken);
}
