using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline.Queueing;

/// <summary>
/// Coalesces evaluation requests: a patient gets a queue message only when no evaluation is already pending for it.
/// Each patient has one marker blob, created on its first request and never deleted; its <c>state</c> metadata is
/// <c>pending</c> from a request until the evaluator starts, then <c>started</c>. The evaluator flips it before reading
/// the patient's facts, so facts committed after that point always cause one more evaluation, and a burst of uploads
/// causes one, not one per upload. The message becomes visible <see cref="ScreeningOptions.EvaluationDelay"/> after the
/// request that marked the patient pending, so the other files of the same export join that evaluation. A marker
/// still pending <see cref="ScreeningOptions.PendingMarkerTimeout"/> after its message became visible is stale (the
/// message was lost or poisoned) and no longer suppresses a new request.
/// </summary>
/// <remarks>
/// Markers change state through metadata writes guarded by ETags rather than by create-and-delete: a delete is the
/// costliest request for the local emulator's store (it re-sorts every index over all blobs), and a metadata write
/// leaves no old content behind to collect.
/// </remarks>
public sealed class EvaluationScheduler(ScreeningStore store, IPatientQueue queue, IOptions<ScreeningOptions> options, TimeProvider time)
{
    private const string StateKey = "state";
    private const string Pending = "pending";
    private const string Started = "started";

    public async Task RequestAsync(string siteId, string patientId, string? traceParent, CancellationToken cancellationToken)
    {
        var marker = Marker(siteId, patientId);
        var now = time.GetUtcNow();
        if (!await TryMarkPendingAsync(marker, now, cancellationToken))
        {
            return;
        }

        // A pending marker without its message would hold the patient back until the marker goes stale: once it is
        // pending, the message is sent even if the caller is being cancelled, and a failed send takes the mark back.
        try
        {
            await queue.SendAsync(new PatientWorkItem(siteId, patientId, traceParent, now), options.Value.EvaluationDelay, CancellationToken.None);
        }
        catch
        {
            await MarkStartedAsync(marker, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Called by the evaluator before it reads facts: from here on, new facts request a new evaluation.</summary>
    public Task ClearAsync(string siteId, string patientId, CancellationToken cancellationToken) =>
        MarkStartedAsync(Marker(siteId, patientId), cancellationToken);

    /// <summary>Whether any patient of the site has an evaluation requested and not yet started.</summary>
    public async Task<bool> AnyPendingAsync(string siteId, CancellationToken cancellationToken)
    {
        await foreach (var marker in store.Container(StorageLayout.StateContainer).GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, StorageLayout.PendingPrefix(siteId), cancellationToken))
        {
            if (IsPending(marker.Metadata))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Marks the patient pending; false when a fresh pending mark exists (an evaluation is already pending).</summary>
    private async Task<bool> TryMarkPendingAsync(AppendBlobClient marker, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pending = new Dictionary<string, string> { [StateKey] = Pending };
        // Look first: after a patient's first request its marker exists, and one read settles most requests.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                var properties = await marker.GetPropertiesAsync(cancellationToken: cancellationToken);
                var staleAfter = options.Value.EvaluationDelay + options.Value.PendingMarkerTimeout;
                if (IsPending(properties.Value.Metadata) && now - properties.Value.LastModified < staleAfter)
                {
                    return false;
                }

                await marker.SetMetadataAsync(pending, new BlobRequestConditions { IfMatch = properties.Value.ETag }, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // The evaluator started, or another request marked it, in between: look again.
                continue;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }

            try
            {
                await marker.CreateAsync(new AppendBlobCreateOptions { Metadata = pending, Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another request created it first: look again.
            }
        }

        return false;
    }

    private static async Task MarkStartedAsync(AppendBlobClient marker, CancellationToken cancellationToken)
    {
        try
        {
            await marker.SetMetadataAsync(new Dictionary<string, string> { [StateKey] = Started }, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No request ever marked this patient (a replayed or hand-queued work item): nothing to take back.
        }
    }

    /// <summary>
    /// A marker is an empty append blob: creating one sends no content, so a request that loses the race to create it
    /// leaves nothing behind (a lost block-blob upload leaves its content for the store to collect, which the local
    /// emulator does at a cost that grows with everything it holds).
    /// </summary>
    private AppendBlobClient Marker(string siteId, string patientId) =>
        store.Container(StorageLayout.StateContainer).GetAppendBlobClient(StorageLayout.PendingBlob(siteId, patientId));

    private static bool IsPending(IDictionary<string, string> metadata) =>
        metadata.TryGetValue(StateKey, out var state) && state == Pending;
}
