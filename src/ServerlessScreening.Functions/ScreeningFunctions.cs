using System.Diagnostics;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using ServerlessScreening.Pipeline.Evaluation;
using ServerlessScreening.Pipeline.Ingestion;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Reports;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Functions;

/// <summary>
/// The Functions app's triggers. Each one hands its input to the pipeline and returns; retries, poison handling and
/// scaling are the host's. The upload is bound as a <see cref="BlobClient"/>, never as a string or byte array: the
/// pipeline streams it. The path pattern's <c>{siteId}</c> binds greedily on nested folders, so the pipeline takes the
/// site from the blob's own name.
/// </summary>
public sealed class ScreeningFunctions(UploadProcessor uploads, PatientEvaluator evaluator, SiteReportBuilder siteReports)
{
    // In Azure the app runs on the Flex Consumption plan, where blob triggers are sourced from Event Grid (see
    // infra/). Core Tools against Azurite has no Event Grid: build with -p:BlobTriggerSource=Polling for that.
#if BLOB_TRIGGER_POLLING
    private const BlobTriggerSource UploadSource = BlobTriggerSource.LogsAndContainerScan;
#else
    private const BlobTriggerSource UploadSource = BlobTriggerSource.EventGrid;
#endif

    [Function("ingest")]
    public Task IngestAsync(
        [BlobTrigger(StorageLayout.UploadTriggerPath, Source = UploadSource, Connection = StorageLayout.ConnectionName)] BlobClient upload,
        CancellationToken cancellationToken) =>
        uploads.ProcessAsync(upload.Name, Activity.Current?.Id, cancellationToken);

    [Function("reingest")]
    public Task ReingestAsync(
        [QueueTrigger(StorageLayout.IngestQueue, Connection = StorageLayout.ConnectionName)] string message,
        CancellationToken cancellationToken)
    {
        var request = IngestRequest.FromJson(message);
        return uploads.ProcessAsync(request.Upload, request.TraceParent, cancellationToken);
    }

    [Function("evaluate")]
    public Task EvaluateAsync(
        [QueueTrigger(StorageLayout.EvaluateQueue, Connection = StorageLayout.ConnectionName)] string message,
        CancellationToken cancellationToken) =>
        evaluator.EvaluateAsync(PatientWorkItem.FromJson(message), cancellationToken);

    [Function("site-report")]
    public Task SiteReportAsync(
        [QueueTrigger(StorageLayout.SiteReportQueue, Connection = StorageLayout.ConnectionName)] string message,
        CancellationToken cancellationToken) =>
        siteReports.RebuildAsync(SiteReportRequest.FromJson(message), cancellationToken);
}
