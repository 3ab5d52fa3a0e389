using Azure;
using Microsoft.Extensions.Options;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline.Queueing;

/// <summary>
/// Coalesces evaluation requests: a patient gets a queue message only when no evaluation is already pending for it.
/// The pending marker is a create-only blob; the evaluator deletes it before reading the patient's facts, so facts
/// committed after that point always cause one more evaluation and a burst of uploads causes one, not one per upload.
/// A marker older than <see cref="ScreeningOptions.PendingMarkerTimeout"/> is stale (its message was lost or
/// poisoned) and no longer suppresses a new request.
/// </summary>
public sealed class EvaluationScheduler(ScreeningStore store, IPatientQueue queue, IOptions<ScreeningOptions> options, TimeProvider time)
{
    public async Task RequestAsync(string siteId, string patientId, string? traceParent, CancellationToken cancellationToken)
    {
        var marker = store.Blob(StorageLayout.StateContainer, StorageLayout.PendingBlob(siteId, patientId));
        var now = time.GetUtcNow();
        var content = BinaryData.FromString(now.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        if (!await TryCreateAsync(marker, content, now, cancellationToken))
        {
            return;
        }

        // A marker without its message would hold the patient back until the marker goes stale: once the marker
        // exists, the message is sent even if the caller is being cancelled, and a failed send removes the marker.
        try
        {
            await queue.SendAsync(new PatientWorkItem(siteId, patientId, traceParent, now), CancellationToken.None);
        }
        catch
        {
            await marker.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw;
        }
    }

    /// <summary>Creates the pending marker; false when a fresh one exists (an evaluation is already pending).</summary>
    private async Task<bool> TryCreateAsync(Azure.Storage.Blobs.BlobClient marker, BinaryData content, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await marker.UploadAsync(content, overwrite: false, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
            }

            try
            {
                var properties = await marker.GetPropertiesAsync(cancellationToken: cancellationToken);
                if (now - properties.Value.LastModified < options.Value.PendingMarkerTimeout)
                {
                    return false;
                }

                await marker.UploadAsync(content, new Azure.Storage.Blobs.Models.BlobUploadOptions { Conditions = new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = properties.Value.ETag } }, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // The evaluator removed the marker, or another request replaced a stale one, in between: look again.
            }
        }

        return false;
    }

    /// <summary>Called by the evaluator before it reads facts: from here on, new facts request a new evaluation.</summary>
    public Task ClearAsync(string siteId, string patientId, CancellationToken cancellationToken) =>
        store.DeleteIfExistsAsync(StorageLayout.StateContainer, StorageLayout.PendingBlob(siteId, patientId), cancellationToken);
}
