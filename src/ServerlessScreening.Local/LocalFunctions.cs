using System.Diagnostics;
using Azure.Storage.Blobs;
using Microsoft.Azure.WebJobs;
using ServerlessScreening.Pipeline.Evaluation;
using ServerlessScreening.Pipeline.Ingestion;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Reports;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Local;

/// <summary>
/// The same four functions as the Functions app, declared with the WebJobs SDK's trigger attributes. Each is a
/// trigger and one call into the pipeline; <see cref="WorkTracker"/> lets the `run` command see when work is in flight.
/// </summary>
public sealed class LocalFunctions(UploadProcessor uploads, PatientEvaluator evaluator, SiteReportBuilder siteReports, WorkTracker tracker)
{
    [FunctionName("ingest")]
    public async Task IngestAsync(
        [BlobTrigger(StorageLayout.UploadTriggerPath, Connection = StorageLayout.ConnectionName)] BlobClient upload,
        CancellationToken cancellationToken)
    {
        using var _ = tracker.Begin();
        await uploads.ProcessAsync(upload.Name, Activity.Current?.Id, cancellationToken);
    }

    [FunctionName("reingest")]
    public async Task ReingestAsync(
        [QueueTrigger(StorageLayout.IngestQueue, Connection = StorageLayout.ConnectionName)] string message,
        CancellationToken cancellationToken)
    {
        using var _ = tracker.Begin();
        var request = IngestRequest.FromJson(message);
        await uploads.ProcessAsync(request.Upload, request.TraceParent, cancellationToken);
    }

    [FunctionName("evaluate")]
    public async Task EvaluateAsync(
        [QueueTrigger(StorageLayout.EvaluateQueue, Connection = StorageLayout.ConnectionName)] string message,
        CancellationToken cancellationToken)
    {
        using var _ = tracker.Begin();
        await evaluator.EvaluateAsync(PatientWorkItem.FromJson(message), cancellationToken);
    }

    [FunctionName("site-report")]
    public async Task SiteReportAsync(
        [QueueTrigger(StorageLayout.SiteReportQueue, Connection = StorageLayout.ConnectionName)] string message,
        CancellationToken cancellationToken)
    {
        using var _ = tracker.Begin();
        await siteReports.RebuildAsync(SiteReportRequest.FromJson(message), cancellationToken);
    }
}

/// <summary>Counts function executions in flight in this process.</summary>
public sealed class WorkTracker
{
    private int _inFlight;
    private long _completed;

    public int InFlight => Volatile.Read(ref _inFlight);

    public long Completed => Interlocked.Read(ref _completed);

    public IDisposable Begin()
    {
        Interlocked.Increment(ref _inFlight);
        return new Scope(this);
    }

    private sealed class Scope(WorkTracker tracker) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref tracker._inFlight);
                Interlocked.Increment(ref tracker._completed);
            }
        }
    }
}
