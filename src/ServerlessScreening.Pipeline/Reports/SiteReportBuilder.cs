using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Reports;

/// <summary>
/// Keeps each site's screening report (OUTPUTS.md, "Reports") in <c>reports/{siteId}/screening-report.json</c> and
/// <c>.md</c>, where the site reads its ingestion reports. The upload processor requests one rebuild per processed
/// upload, visible <see cref="ScreeningOptions.SiteReportVisibilityDelay"/> later, after the evaluations it requested;
/// a rebuild that finds an evaluation of the site still pending sends itself again with that delay instead of
/// writing a report that misses it. The report is a function of the site's current verdicts and ingestion reports,
/// so duplicate or overlapping rebuilds write the same content.
/// </summary>
public sealed class SiteReportBuilder(
    ScreeningStore store,
    EvaluationScheduler scheduler,
    ISiteReportQueue queue,
    IOptions<ScreeningOptions> options,
    TimeProvider time,
    ILogger<SiteReportBuilder> logger)
{
    private static readonly BlobHttpHeaders MarkdownHeaders = new() { ContentType = "text/markdown; charset=utf-8" };

    /// <summary>Sends a rebuild request for the site, visible after the evaluation delay and the site-report delay.</summary>
    public Task RequestAsync(string siteId, string? traceParent, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(siteId);
        return queue.SendAsync(new SiteReportRequest(siteId, traceParent, time.GetUtcNow()), options.Value.SiteReportVisibilityDelay(), cancellationToken);
    }

    /// <summary>
    /// Builds and writes the site's report; when an evaluation of the site is still pending, re-queues the request
    /// instead and returns false. A request older than a pending marker can stay fresh (a lost or poisoned evaluation
    /// message) builds the report anyway rather than waiting for ever; any newer upload requests its own rebuild.
    /// </summary>
    public async Task<bool> RebuildAsync(SiteReportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.SiteId);
        using var activity = request.TraceParent is not null
            ? Telemetry.Source.StartActivity("build site report", ActivityKind.Consumer, request.TraceParent)
            : Telemetry.Source.StartActivity("build site report", ActivityKind.Consumer);
        activity?.SetTag("screening.site", request.SiteId);
        var siteId = request.SiteId;
        var requestedAt = request.RequestedAt ?? time.GetUtcNow();
        var settings = options.Value;
        var waitedTooLong = time.GetUtcNow() - requestedAt > settings.SiteReportVisibilityDelay() + settings.PendingMarkerTimeout;
        if (!waitedTooLong && await scheduler.AnyPendingAsync(siteId, cancellationToken))
        {
            await queue.SendAsync(request with { RequestedAt = requestedAt }, settings.SiteReportVisibilityDelay(), cancellationToken);
            Log.SiteReportDeferred(logger, siteId);
            return false;
        }

        var verdicts = await ReadAllAsync<Verdict>(
            StorageLayout.VerdictsContainer,
            (await store.ListFolderFilesAsync(StorageLayout.VerdictsContainer, siteId + "/", cancellationToken)).Where(n => n.EndsWith(".json", StringComparison.Ordinal)),
            cancellationToken);
        var reports = await ReadAllAsync<IngestionReport>(
            StorageLayout.ReportsContainer,
            (await store.ListAsync(StorageLayout.ReportsContainer, siteId + "/", cancellationToken)).Where(StorageLayout.IsUploadReport),
            cancellationToken);

        var report = SiteReport.Build(siteId, verdicts, reports);
        await store.Blob(StorageLayout.ReportsContainer, StorageLayout.SiteReportMarkdownBlob(siteId)).UploadAsync(
            BinaryData.FromString(report.ToMarkdown()),
            new BlobUploadOptions { HttpHeaders = MarkdownHeaders },
            cancellationToken);
        await store.WriteAsync(StorageLayout.ReportsContainer, StorageLayout.SiteReportBlob(siteId), report, cancellationToken);
        Log.SiteReportWritten(logger, siteId, verdicts.Count, reports.Count, report.NeedsReview.Count);
        return true;
    }

    /// <summary>Reads the named documents; one that disappeared since it was listed (a withdrawn verdict) is left out.</summary>
    private async Task<List<T>> ReadAllAsync<T>(string container, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var read = new ConcurrentBag<T>();
        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (name, token) =>
            {
                if (await store.ReadAsync<T>(container, name, token) is { } document)
                {
                    read.Add(document.Value);
                }
            });
        return read.ToList();
    }
}
