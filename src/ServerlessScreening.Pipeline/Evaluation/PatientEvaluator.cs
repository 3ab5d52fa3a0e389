using System.Diagnostics;
using System.Globalization;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessScreening.Facts;
using ServerlessScreening.Pipeline.Ingestion;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Results;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Protocols;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Evaluation;

/// <summary>
/// What the evaluate functions call for one queued patient: gather the patient's committed facts and the site's
/// coverage, evaluate the protocol, and, when the verdict's content changed, keep the old one as history, write the
/// new one and publish one result event. A verdict whose content did not change is not written again; an event that
/// was not confirmed as published is published again with the same id.
/// </summary>
public sealed class PatientEvaluator(
    ScreeningStore store,
    ScreeningEngine engine,
    EvaluationScheduler scheduler,
    UploadSettingsResolver settings,
    IResultPublisher publisher,
    Pseudonyms pseudonyms,
    IOptions<ScreeningOptions> options,
    TimeProvider time,
    ILogger<PatientEvaluator> logger)
{
    private const string DigestKey = "digest";
    private const string PublishedKey = "published";
    private const string PreviousKey = "previous";
    private const string VersionKey = "version";
    private const int MaxAttempts = 5;

    /// <summary>
    /// A verdict whose event is not confirmed as published is published again by a later evaluation only once it is
    /// this old: its writer publishes right after writing, so concurrent duplicate deliveries leave it to the writer,
    /// while a writer that crashed before publishing is covered when its work item comes back (after the queue's
    /// visibility timeout, which must stay above this).
    /// </summary>
    private static readonly TimeSpan RepublishAfter = TimeSpan.FromSeconds(5);

    public async Task EvaluateAsync(PatientWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        using var activity = item.TraceParent is not null
            ? Telemetry.Source.StartActivity("evaluate patient", ActivityKind.Consumer, item.TraceParent)
            : Telemetry.Source.StartActivity("evaluate patient", ActivityKind.Consumer);
        var patientKey = pseudonyms.Of(item.SiteId, item.PatientId);
        activity?.SetTag("screening.site", item.SiteId);
        activity?.SetTag("screening.patient", patientKey);
        if (item.RequestedAt is { } requested)
        {
            Telemetry.QueueLatency.Record((time.GetUtcNow() - requested).TotalMilliseconds, new KeyValuePair<string, object?>("screening.site", item.SiteId));
        }

        await scheduler.ClearAsync(item.SiteId, item.PatientId, cancellationToken);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var record = await LoadAsync(item.SiteId, item.PatientId, cancellationToken);
            if (record is null)
            {
                // No committed upload names the patient (any more): the verdict must be what it would be had those
                // uploads never been processed, which is none at all.
                if (await WithdrawAsync(item, patientKey, cancellationToken))
                {
                    return;
                }

                Log.VerdictRace(logger, patientKey, item.SiteId, attempt);
                continue;
            }

            // The site profile's default screening date matters only to a patient whose data carries no screening date.
            var defaults = record.Demographics.Any(d => d.ScreeningDate is not null)
                ? new ScreeningDefaults(options.Value.ParsedDefaultScreeningDate())
                : await DefaultsAsync(item.SiteId, cancellationToken);
            var verdict = engine.Evaluate(record, defaults);
            if (await StoreAsync(verdict, item, patientKey, cancellationToken))
            {
                return;
            }

            Log.VerdictRace(logger, patientKey, item.SiteId, attempt);
        }

        throw new InvalidOperationException($"The verdict of {patientKey} at {item.SiteId} kept changing concurrently; the work item will be retried.");
    }

    /// <summary>The patient's record from committed shards only, or null when no committed upload mentions the patient.</summary>
    public async Task<PatientRecord?> LoadAsync(string siteId, string patientId, CancellationToken cancellationToken)
    {
        // The catalog and the patient's shard listing are independent reads: issue them together.
        var prefix = StorageLayout.FactsPrefix(siteId, patientId);
        var catalogRead = store.ReadAsync<SiteCatalog>(StorageLayout.StateContainer, StorageLayout.CatalogBlob(siteId), cancellationToken);
        var listing = store.ListAsync(StorageLayout.FactsContainer, prefix, cancellationToken);
        var catalog = (await catalogRead)?.Value;
        var names = await listing;
        if (catalog is null)
        {
            return null;
        }

        var content = catalog.DistinctContent().ToDictionary(c => c.Canonical.ShardKey, StringComparer.Ordinal);
        var parts = names
            .Select(name => (Name: name, ShardKey: name[prefix.Length..name.IndexOf('/', prefix.Length)]))
            .Where(p => content.ContainsKey(p.ShardKey))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        if (parts.Count == 0)
        {
            return null;
        }

        var shards = new (PatientShard Shard, InputRef Input)[parts.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, parts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                // The part's blob name carries the patient id, and hosts log this message: name the patient by pseudonym.
                var bytes = await store.ReadBytesAsync(StorageLayout.FactsContainer, parts[i].Name, token)
                    ?? throw new InvalidOperationException($"A committed shard part of {pseudonyms.Of(siteId, patientId)} at {siteId} disappeared while being read; the work item will be retried.");
                var canonical = content[parts[i].ShardKey].Canonical;
                shards[i] = (ShardJson.Deserialize(bytes), new InputRef(StorageLayout.QualifiedUpload(canonical.Upload), canonical.Sha256));
            });

        var contributing = parts.Select(p => content[p.ShardKey]).Distinct().ToList();
        var coverage = catalog.CoverageDeclarations().ToList();
        var inputs = contributing.SelectMany(c => c.Copies)
            // Uploads that vouch for a category the protocol consults are inputs of every verdict of the site: their
            // coverage is what lets absence count. Coverage the protocol never consults is not an input.
            .Concat(catalog.Uploads.Where(u => u.Coverage is not null && u.Categories.Any(engine.CoverageCategories.Contains)))
            .SelectMany(u => u.Manifests.Select(m => new InputRef(StorageLayout.QualifiedUpload(m.Name), m.Sha256))
                .Append(new InputRef(StorageLayout.QualifiedUpload(u.Upload), u.Sha256)));
        return PatientRecord.FromShards(siteId, patientId, shards, coverage, inputs);
    }

    private async Task<ScreeningDefaults> DefaultsAsync(string siteId, CancellationToken cancellationToken)
    {
        var (profile, _) = await settings.ProfileAsync(siteId, cancellationToken);
        var siteDefaults = profile?.DefaultScreeningDate is { } date ? new Dictionary<string, DateOnly> { [siteId] = date } : null;
        return new ScreeningDefaults(options.Value.ParsedDefaultScreeningDate(), siteDefaults);
    }

    /// <summary>Writes the verdict if its content changed and publishes its event; false when another evaluation wrote first.</summary>
    /// <remarks>
    /// Order of writes: the verdict (conditional on the ETag read), then its history entry, then the event, then the
    /// published flag. History names are deterministic per version (<c>{version}-{digest}</c>), so a retry after a crash
    /// anywhere in that sequence rewrites nothing and adds no version; an evaluation that loses the race writes no history.
    /// A changed verdict that would replace one whose evaluation stopped before publishing first records that version
    /// and publishes its event, so no version is lost from the history or the result queue.
    /// </remarks>
    private async Task<bool> StoreAsync(Verdict verdict, PatientWorkItem item, string patientKey, CancellationToken cancellationToken)
    {
        var (utf8, digest) = ContractJson.SerializeWithDigest(verdict);
        var content = BinaryData.FromBytes(utf8);
        var name = StorageLayout.VerdictBlob(verdict.SiteId, verdict.PatientId);
        var blob = store.Blob(StorageLayout.VerdictsContainer, name);
        ETag? current = null;
        string? previousDigest = null;
        var previousVersion = 0;
        var unpublishedPrevious = false;
        string? digestBeforePrevious = null;
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            var stored = properties.Value.Metadata;
            current = properties.Value.ETag;
            previousDigest = stored.TryGetValue(DigestKey, out var existingDigest) ? existingDigest : null;
            previousVersion = VersionOf(stored);
            unpublishedPrevious = !stored.TryGetValue(PublishedKey, out var published) || published != "true";
            digestBeforePrevious = stored.TryGetValue(PreviousKey, out var before) ? before : null;
            if (previousDigest == digest)
            {
                // The evaluation that wrote this verdict stopped before it finished: complete its history and event.
                if (unpublishedPrevious && time.GetUtcNow() - properties.Value.LastModified >= RepublishAfter
                    && await CompleteStoppedAsync(name, current.Value, previousVersion, digest, digestBeforePrevious, item, patientKey, cancellationToken))
                {
                    await ConfirmPublishedAsync(blob, current.Value, stored, cancellationToken);
                }

                Log.Evaluated(logger, patientKey, verdict.SiteId, verdict.Outcome, "unchanged");
                return true;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No current verdict: a new patient, or one whose verdict was withdrawn. The history continues after the
            // withdrawn version, and the event names it as the previous verdict, so the versions keep sorting in order
            // and a verdict that returns is not taken for a re-delivery of the patient's first event.
            (previousVersion, previousDigest) = await LastHistoryVersionAsync(verdict.SiteId, verdict.PatientId, cancellationToken);
        }

        if (current is { } replaced && previousDigest is not null && unpublishedPrevious)
        {
            await CompleteStoppedAsync(name, replaced, previousVersion, previousDigest, digestBeforePrevious, item, patientKey, cancellationToken);
        }

        var nextVersion = previousVersion + 1;
        var metadata = new Dictionary<string, string>
        {
            [DigestKey] = digest,
            [PublishedKey] = "false",
            [VersionKey] = nextVersion.ToString(CultureInfo.InvariantCulture),
            ["outcome"] = verdict.Outcome,
        };
        if (previousDigest is not null)
        {
            metadata[PreviousKey] = previousDigest;
        }

        var written = await store.TryWriteAsync(StorageLayout.VerdictsContainer, name, content, current, cancellationToken, metadata);
        if (written is null)
        {
            return false;
        }

        await WriteHistoryAsync(verdict, content, nextVersion, digest, cancellationToken);
        await PublishEventAsync(verdict, previousDigest, digest, name, item, patientKey, cancellationToken);
        await ConfirmPublishedAsync(blob, written.Value, metadata, cancellationToken);
        Log.Evaluated(logger, patientKey, verdict.SiteId, verdict.Outcome, current is null ? "new" : "changed");
        Telemetry.Verdicts.Add(1, new KeyValuePair<string, object?>("screening.outcome", verdict.Outcome));
        Activity.Current?.SetTag("screening.outcome", verdict.Outcome);
        return true;
    }

    /// <summary>
    /// Records the history entry and publishes the event of the stored verdict (still at <paramref name="etag"/>) whose
    /// evaluation stopped before publishing; false when it has been replaced since. Should that evaluation still be
    /// running, its history entry is the same blob and its event has the same id, which consumers and Service Bus
    /// duplicate detection drop. The published flag is the caller's: a verdict about to be replaced does not need it.
    /// </summary>
    private async Task<bool> CompleteStoppedAsync(string name, ETag etag, int version, string digest, string? previousDigest, PatientWorkItem item, string patientKey, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync<Verdict>(StorageLayout.VerdictsContainer, name, cancellationToken);
        if (stored is null || stored.ETag != etag)
        {
            return false;
        }

        await WriteHistoryAsync(stored.Value, BinaryData.FromBytes(ContractJson.SerializeToUtf8(stored.Value)), version, digest, cancellationToken);
        await PublishEventAsync(stored.Value, previousDigest, digest, name, item, patientKey, cancellationToken);
        return true;
    }

    /// <summary>
    /// Removes the current verdict of a patient whom no committed upload names; false when another evaluation changed
    /// it meanwhile. The removed version stays in the history: it was written there before its event was published, and
    /// a version whose evaluation stopped before publishing gets its history entry and event first, as when a new
    /// verdict replaces it. No result event announces the removal: the event contract (OUTPUTS.md,
    /// <c>schemas/result-event.schema.json</c>) requires an outcome, and a patient without a verdict has none.
    /// </summary>
    private async Task<bool> WithdrawAsync(PatientWorkItem item, string patientKey, CancellationToken cancellationToken)
    {
        var name = StorageLayout.VerdictBlob(item.SiteId, item.PatientId);
        var blob = store.Blob(StorageLayout.VerdictsContainer, name);
        Response<Azure.Storage.Blobs.Models.BlobProperties> properties;
        try
        {
            properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            Log.NothingToEvaluate(logger, patientKey, item.SiteId);
            return true;
        }

        // Facts may have been committed since this evaluation found none, and a newer evaluation may have written this
        // very verdict from them: look again now that the verdict's version is known. A verdict is written only after
        // the commit it rests on, so a look taken after reading its version sees that commit (unless a later upload
        // took it back, when withdrawing is right).
        if (await LoadAsync(item.SiteId, item.PatientId, cancellationToken) is not null)
        {
            return false;
        }

        var stored = properties.Value.Metadata;
        var etag = properties.Value.ETag;
        if (stored.TryGetValue(DigestKey, out var digest) && (!stored.TryGetValue(PublishedKey, out var published) || published != "true")
            && !await CompleteStoppedAsync(name, etag, VersionOf(stored), digest, stored.TryGetValue(PreviousKey, out var before) ? before : null, item, patientKey, cancellationToken))
        {
            return false;
        }

        try
        {
            await blob.DeleteAsync(Azure.Storage.Blobs.Models.DeleteSnapshotsOption.None, new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = etag }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // A concurrent delivery of the same work item removed it first.
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }

        Log.Withdrawn(logger, patientKey, item.SiteId);
        return true;
    }

    /// <summary>The version and content digest of the patient's latest history entry; (0, null) when there is none.</summary>
    private async Task<(int Version, string? Digest)> LastHistoryVersionAsync(string siteId, string patientId, CancellationToken cancellationToken)
    {
        var names = await store.ListAsync(StorageLayout.VerdictHistoryContainer, StorageLayout.VerdictHistoryPrefix(siteId, patientId), cancellationToken);
        var latest = names
            .Select(n => (Name: n, Version: StorageLayout.VerdictHistoryVersion(n)))
            .Where(v => v.Version is not null)
            .OrderByDescending(v => v.Version)
            .FirstOrDefault();
        if (latest.Name is null)
        {
            return (0, null);
        }

        var entry = await store.ReadAsync<Verdict>(StorageLayout.VerdictHistoryContainer, latest.Name, cancellationToken);
        return (latest.Version!.Value, entry is null ? null : ContractJson.ContentDigest(entry.Value));
    }

    private static int VersionOf(IDictionary<string, string> metadata) =>
        metadata.TryGetValue(VersionKey, out var version) && int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;

    /// <summary>Writes a version's history entry once: an existing entry of the same name is that same version.</summary>
    private async Task WriteHistoryAsync(Verdict verdict, BinaryData content, int version, string digest, CancellationToken cancellationToken) =>
        await store.TryWriteAsync(StorageLayout.VerdictHistoryContainer, StorageLayout.VerdictHistoryBlob(verdict.SiteId, verdict.PatientId, version, digest), content, null, cancellationToken);

    private async Task PublishEventAsync(Verdict verdict, string? previousDigest, string digest, string name, PatientWorkItem item, string patientKey, CancellationToken cancellationToken)
    {
        using var activity = Telemetry.Source.StartActivity("publish result event", ActivityKind.Producer);
        var resultEvent = ResultEvent.For(verdict, previousDigest, digest, $"{StorageLayout.VerdictsContainer}/{name}", Activity.Current?.Id ?? item.TraceParent);
        activity?.SetTag("messaging.message.id", resultEvent.Id);
        activity?.SetTag("messaging.system", publisher.Transport);
        await publisher.PublishAsync(resultEvent, cancellationToken);
        Log.Published(logger, resultEvent.Id, patientKey, publisher.Transport);
    }

    /// <summary>Marks the verdict at <paramref name="etag"/> as published, unless a newer one has replaced it.</summary>
    private static async Task ConfirmPublishedAsync(Azure.Storage.Blobs.BlobClient blob, ETag etag, IDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var confirmed = new Dictionary<string, string>(metadata) { [PublishedKey] = "true" };
        try
        {
            await blob.SetMetadataAsync(confirmed, new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = etag }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // A newer verdict replaced this one meanwhile; it carries its own publication state.
        }
    }
}
