using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Reports;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Protocols;

namespace ServerlessScreening.Pipeline.Ingestion;

/// <summary>
/// What the ingest functions call for one upload (a name inside the uploads container). Data files are parsed into
/// patient shards, committed in the site catalog, reported, and their patients queued for evaluation; manifests
/// update the coverage or the reading of the files they describe. Every step is idempotent: processing the same
/// upload again, in any order relative to its manifests, ends in the same catalog, shards and report. Once an upload
/// is processed and its patients' evaluations requested, one rebuild of the site's screening report is requested.
/// </summary>
public sealed class UploadProcessor(
    ScreeningStore store,
    UploadSettingsResolver settingsResolver,
    UploadIngestor ingestor,
    EvaluationScheduler scheduler,
    IIngestQueue ingestQueue,
    SiteReportBuilder siteReports,
    ScreeningEngine engine,
    ILogger<UploadProcessor> logger)
{
    public async Task ProcessAsync(string upload, string? traceParent, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(upload);
        using var activity = traceParent is not null
            ? Telemetry.Source.StartActivity("ingest upload", ActivityKind.Consumer, traceParent)
            : Telemetry.Source.StartActivity("ingest upload", ActivityKind.Consumer);
        var siteId = StorageLayout.SiteOf(upload);
        activity?.SetTag("screening.site", siteId);
        traceParent = Activity.Current?.Id ?? traceParent;
        if (siteId is null)
        {
            Log.OutsideSite(logger, upload);
            await QuarantineAsync(upload, Problem("_no-site", upload, ErrorCodes.FileOutsideSite, "the file is not inside a site folder (uploads/{siteId}/…); upload it into your site's folder"), cancellationToken);
            return;
        }

        if (StorageLayout.IsManifest(upload))
        {
            await ProcessManifestAsync(siteId, upload, traceParent, cancellationToken);
        }
        else
        {
            await IngestAsync(siteId, upload, traceParent, cancellationToken);
        }

        // After the evaluations this upload requested: the rebuild waits for them (and for those of the rest of a burst).
        await siteReports.RequestAsync(siteId, traceParent, cancellationToken);
    }

    private async Task IngestAsync(string siteId, string upload, string? traceParent, CancellationToken cancellationToken)
    {
        var blob = store.Blob(StorageLayout.UploadsContainer, upload);
        BlobProperties properties;
        try
        {
            properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            Log.UploadGone(logger, upload);
            return;
        }

        var resolved = await settingsResolver.ResolveAsync(siteId, upload, cancellationToken);
        if (resolved.ProfileError is not null)
        {
            await QuarantineAsync(upload, Problem(siteId, upload, ErrorCodes.ProfileInvalid, resolved.ProfileError + "; the file itself was not read and can be replayed once the profile is fixed"), cancellationToken);
            return;
        }

        var fingerprint = resolved.Settings.Fingerprint();
        var shardKey = Hash($"{upload}\n{properties.ETag}\n{fingerprint}")[..24];
        var catalog = await store.ReadAsync<SiteCatalog>(StorageLayout.StateContainer, StorageLayout.CatalogBlob(siteId), cancellationToken);
        var previous = catalog?.Value.Find(upload);
        var storedReport = previous is null ? null : await store.ReadAsync<IngestionReport>(StorageLayout.ReportsContainer, StorageLayout.ReportBlob(upload), cancellationToken);
        var previousReport = storedReport?.Value;
        var previousReportShardKey = storedReport?.Metadata.TryGetValue(ReportShardKeyMetadata, out var key) == true ? key : null;
        if (previousReport is not null && previous?.ShardKey == shardKey && previousReportShardKey == shardKey)
        {
            // A duplicate delivery of an upload already committed and reported: make sure its patients were queued,
            // change nothing else. The report must be the one of this very version: an ingestion stopped between its
            // commit and its report leaves the previous version's report, and its retry must finish the job.
            Log.AlreadyIngested(logger, upload);
            await RequestAsync(siteId, previousReport.Patients, traceParent, cancellationToken);
            return;
        }

        IngestionOutcome outcome;
        await using (var content = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { Conditions = new BlobRequestConditions { IfMatch = properties.ETag } }, cancellationToken))
        {
            var sink = new BlobShardSink(store, shardKey);
            outcome = await ingestor.IngestAsync(new UploadDescriptor(siteId, StorageLayout.QualifiedUpload(upload), resolved.Settings), content, sink, cancellationToken);
        }

        if (outcome.Quarantine)
        {
            await QuarantineAsync(upload, outcome.Report, cancellationToken);

            // A manifest processed while the file was being read found no quarantined copy to rescue; it exists now,
            // so whichever of the two runs last sees the other and the file is read again with the manifest.
            if ((await settingsResolver.ResolveAsync(siteId, upload, cancellationToken)).Settings.Fingerprint() != fingerprint)
            {
                await ingestQueue.SendAsync(new IngestRequest(upload, "a manifest that changes how the file is read arrived while it was being read", traceParent), cancellationToken);
            }

            if (previous is not null)
            {
                await store.UpdateAsync(StorageLayout.StateContainer, StorageLayout.CatalogBlob(siteId), () => new SiteCatalog { SiteId = siteId }, c => c.Without(upload), cancellationToken);
                await RequestAsync(siteId, previousReport?.Patients ?? [], traceParent, cancellationToken);
            }

            return;
        }

        // Commit only while the upload is still the version that was read: an ingestion of an older version that was
        // overtaken must not replace the entry of the newer one. The newer version's own trigger ingests it; the shards
        // written here stay unreferenced, and evaluation reads only shard keys the catalog names.
        var entry = Entry(upload, outcome, shardKey, fingerprint, resolved);
        var committed = await store.UpdateWhileAsync(
            StorageLayout.StateContainer,
            StorageLayout.CatalogBlob(siteId),
            () => new SiteCatalog { SiteId = siteId },
            c => c.With(entry),
            async token => await store.ETagAsync(StorageLayout.UploadsContainer, upload, token) == properties.ETag,
            cancellationToken);
        if (committed is null)
        {
            Log.Superseded(logger, upload);
            return;
        }

        // A manifest may have arrived while the file was being read; its own processing saw no catalog entry yet.
        var recheck = await settingsResolver.ResolveAsync(siteId, upload, cancellationToken);
        var coverageChanged = entry.Coverage is not null && previous?.Coverage != entry.Coverage && Consulted(entry);
        if (recheck.Settings.Fingerprint() != fingerprint)
        {
            await ingestQueue.SendAsync(new IngestRequest(upload, "a manifest that changes how the file is read arrived while it was being read", traceParent), cancellationToken);
        }
        else if (!SameCoverage(recheck, resolved))
        {
            coverageChanged |= await ApplyCoverageAsync(siteId, upload, recheck, cancellationToken);
        }

        await store.WriteAsync(StorageLayout.ReportsContainer, StorageLayout.ReportBlob(upload), outcome.Report, cancellationToken, ReportMetadata(shardKey));
        await store.DeleteIfExistsAsync(StorageLayout.QuarantineContainer, upload, cancellationToken);
        Log.Ingested(logger, upload, outcome.Report.Kind, outcome.Report.RowsRead, outcome.Report.RowsUsed, outcome.Report.RowsIgnored, outcome.Report.RowsRejected, outcome.Patients.Count);
        Activity.Current?.SetTag("screening.upload.kind", outcome.Report.Kind);
        Telemetry.RowsIngested.Add(outcome.Report.RowsUsed, new KeyValuePair<string, object?>("screening.upload.kind", outcome.Report.Kind));
        foreach (var (code, count) in outcome.Report.RejectionsByCode)
        {
            Telemetry.RowsRejected.Add(count, new KeyValuePair<string, object?>("screening.error.code", code));
        }


        var touched = outcome.Patients.Concat(previous is not null ? previousReport?.Patients ?? [] : []).Distinct(StringComparer.Ordinal).ToList();
        if (coverageChanged)
        {
            // New coverage can turn absence into evidence for every patient of the site, not only those in this file.
            touched = touched.Concat(await SitePatientsAsync(siteId, cancellationToken)).Distinct(StringComparer.Ordinal).ToList();
        }

        await RequestAsync(siteId, touched, traceParent, cancellationToken);

        // The previous report's patients hold shards under the key it was written for; after an ingestion stopped
        // before its report, that is not the key of the entry it found, so both are cleared.
        var superseded = new[] { previous?.ShardKey, previousReportShardKey }.OfType<string>().Where(k => k != shardKey).Distinct(StringComparer.Ordinal);
        foreach (var oldShardKey in superseded)
        {
            await DeleteShardsAsync(siteId, oldShardKey, previousReport?.Patients ?? [], cancellationToken);
        }
    }

    private async Task ProcessManifestAsync(string siteId, string manifest, string? traceParent, CancellationToken cancellationToken)
    {
        var bytes = await store.ReadBytesAsync(StorageLayout.UploadsContainer, manifest, cancellationToken);
        if (bytes is null)
        {
            Log.UploadGone(logger, manifest);
            return;
        }

        var parsed = UploadManifest.Parse(Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF'));
        var report = new IngestionReport
        {
            Upload = StorageLayout.QualifiedUpload(manifest),
            SiteId = siteId,
            Status = parsed.IsOk ? UploadStatus.Manifest : UploadStatus.Quarantined,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Bytes = bytes.Length,
            Kind = "manifest",
            Format = "json",
            Coverage = parsed.Value?.Coverage is { From: { } from, To: { } to } ? new DateRange(from, to).ToString() : null,
            Rejections = parsed.IsOk ? [] : [new Rejection(0, null, parsed.ErrorCode!, parsed.Message!)],
        };
        if (!parsed.IsOk)
        {
            await QuarantineAsync(manifest, report, cancellationToken);
            return;
        }

        await store.WriteAsync(StorageLayout.ReportsContainer, StorageLayout.ReportBlob(manifest), report, cancellationToken);
        var targets = manifest.EndsWith("/manifest.json", StringComparison.OrdinalIgnoreCase)
            ? (await store.ListFolderFilesAsync(StorageLayout.UploadsContainer, manifest[..(manifest.LastIndexOf('/') + 1)], cancellationToken)).Where(n => !StorageLayout.IsManifest(n)).ToList()
            : [manifest[..^".manifest.json".Length]];

        var catalog = (await store.ReadAsync<SiteCatalog>(StorageLayout.StateContainer, StorageLayout.CatalogBlob(siteId), cancellationToken))?.Value;
        var reingest = 0;
        var coverageChanged = false;
        foreach (var target in targets)
        {
            if (catalog?.Find(target) is not { } entry)
            {
                // A file that could not be read may become readable now (a manifest naming its kind, encoding or date
                // format); read it again from the upload, which quarantine copies and leaves in place, so the outcome
                // is the one a manifest arriving first would have given.
                if (await store.ExistsAsync(StorageLayout.QuarantineContainer, target, cancellationToken))
                {
                    reingest++;
                    await ingestQueue.SendAsync(new IngestRequest(target, $"manifest {manifest} may make the quarantined file readable", traceParent), cancellationToken);
                }

                continue;
            }

            var resolved = await settingsResolver.ResolveAsync(siteId, target, cancellationToken);
            if (resolved.Settings.Fingerprint() != entry.SettingsFingerprint)
            {
                reingest++;
                await ingestQueue.SendAsync(new IngestRequest(target, $"manifest {manifest} changes how the file is read", traceParent), cancellationToken);
            }
            else
            {
                coverageChanged |= await ApplyCoverageAsync(siteId, target, resolved, cancellationToken);
            }
        }

        Log.ManifestApplied(logger, manifest, targets.Count, reingest);
        if (coverageChanged)
        {
            await RequestAsync(siteId, await SitePatientsAsync(siteId, cancellationToken), traceParent, cancellationToken);
        }
    }

    /// <summary>Records new coverage and manifests on a committed entry; true when anything changed.</summary>
    private async Task<bool> ApplyCoverageAsync(string siteId, string upload, ResolvedSettings resolved, CancellationToken cancellationToken)
    {
        var changed = false;
        await store.UpdateAsync(
            StorageLayout.StateContainer,
            StorageLayout.CatalogBlob(siteId),
            () => new SiteCatalog { SiteId = siteId },
            catalog =>
            {
                if (catalog.Find(upload) is not { } entry)
                {
                    return catalog;
                }

                var updated = entry with
                {
                    CoverageFrom = resolved.Settings.CoveragePeriod?.From,
                    CoverageTo = resolved.Settings.CoveragePeriod?.To,
                    Categories = CategoriesFor(entry.Categories, resolved.Settings),
                    Manifests = resolved.Manifests,
                };
                var differs = !(updated.Coverage == entry.Coverage && updated.Manifests.SequenceEqual(entry.Manifests) && updated.Categories.SequenceEqual(entry.Categories));
                changed = differs && (Consulted(entry) || Consulted(updated));
                return differs ? catalog.With(updated) : catalog;
            },
            cancellationToken);
        return changed;
    }

    /// <summary>Whether the protocol consults coverage of any category this upload vouches for.</summary>
    private bool Consulted(CatalogEntry entry) => entry.Categories.Any(engine.CoverageCategories.Contains);

    private static bool SameCoverage(ResolvedSettings a, ResolvedSettings b) =>
        a.Settings.CoveragePeriod == b.Settings.CoveragePeriod && a.Manifests.SequenceEqual(b.Manifests);

    private static CatalogEntry Entry(string upload, IngestionOutcome outcome, string shardKey, string fingerprint, ResolvedSettings resolved) => new()
    {
        Upload = upload,
        Sha256 = outcome.Report.Sha256!,
        ShardKey = shardKey,
        SettingsFingerprint = fingerprint,
        Kind = outcome.Report.Kind!,
        Categories = CategoriesFor(outcome.Categories, resolved.Settings),
        CoverageFrom = resolved.Settings.CoveragePeriod?.From,
        CoverageTo = resolved.Settings.CoveragePeriod?.To,
        Manifests = resolved.Manifests,
        Patients = outcome.Patients.Count,
    };

    /// <summary>The categories an upload vouches for: those a manifest names, else those the file holds.</summary>
    private static List<string> CategoriesFor(IReadOnlyList<string> held, ParseSettings settings) =>
        settings.Coverage is { Categories.Count: > 0 } coverage
            ? coverage.Categories.Where(RecordCategories.All.Contains).Order(StringComparer.Ordinal).ToList()
            : held.ToList();

    private async Task RequestAsync(string siteId, IEnumerable<string> patients, string? traceParent, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(
            patients,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (patient, token) => await scheduler.RequestAsync(siteId, patient, traceParent, token));

    private async Task<IReadOnlyList<string>> SitePatientsAsync(string siteId, CancellationToken cancellationToken)
    {
        var folders = await store.ListFoldersAsync(StorageLayout.FactsContainer, siteId + "/", cancellationToken);
        return folders.Select(f => StorageLayout.PatientIdOf(f[(siteId.Length + 1)..^1])).ToList();
    }

    private async Task DeleteShardsAsync(string siteId, string shardKey, IEnumerable<string> patients, CancellationToken cancellationToken)
    {
        foreach (var patient in patients)
        {
            var prefix = StorageLayout.FactsPrefix(siteId, patient) + shardKey + "/";
            foreach (var name in await store.ListAsync(StorageLayout.FactsContainer, prefix, cancellationToken))
            {
                await store.DeleteIfExistsAsync(StorageLayout.FactsContainer, name, cancellationToken);
            }
        }
    }

    private async Task QuarantineAsync(string upload, IngestionReport report, CancellationToken cancellationToken)
    {
        var source = store.Blob(StorageLayout.UploadsContainer, upload);
        try
        {
            await using var content = await source.OpenReadAsync(cancellationToken: cancellationToken);
            await store.Blob(StorageLayout.QuarantineContainer, upload).UploadAsync(content, overwrite: true, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            Log.UploadGone(logger, upload);
        }

        var reportName = StorageLayout.SiteOf(upload) is null ? "_no-site/" + upload : upload;
        await store.WriteAsync(StorageLayout.ReportsContainer, StorageLayout.ReportBlob(reportName), report, cancellationToken);
        Log.Quarantined(logger, upload, report.Rejections.Count > 0 ? report.Rejections[0].Code : "unknown");
    }

    private static IngestionReport Problem(string siteId, string upload, string code, string message) => new()
    {
        Upload = StorageLayout.QualifiedUpload(upload),
        SiteId = siteId,
        Status = UploadStatus.Quarantined,
        Rejections = [new Rejection(0, null, code, message)],
        RejectionsByCode = new SortedDictionary<string, int>(StringComparer.Ordinal) { [code] = 1 },
    };

    /// <summary>Report metadata naming the shard key of the ingestion it reports, so a report can be matched to its catalog entry.</summary>
    private const string ReportShardKeyMetadata = "shardkey";

    private static Dictionary<string, string> ReportMetadata(string shardKey) => new(StringComparer.OrdinalIgnoreCase) { [ReportShardKeyMetadata] = shardKey };

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>Writes an upload's patient shards to <c>facts/{site}/{patient}/{shardKey}/{part}.json</c>.</summary>
internal sealed class BlobShardSink(ScreeningStore store, string shardKey) : IShardSink
{
    public async ValueTask WriteAsync(PatientShard shard, CancellationToken cancellationToken)
    {
        await using var json = PooledShardJson.Serialize(shard);
        await store.WriteJsonAsync(StorageLayout.FactsContainer, StorageLayout.FactsBlob(shard.SiteId, shard.PatientId, shardKey, shard.Part), json, cancellationToken);
    }
}
