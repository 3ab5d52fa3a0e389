using ServerlessScreening.Facts;

namespace ServerlessScreening.Pipeline.Storage;

/// <summary>A manifest as applied: its name inside the uploads container and the SHA-256 of its bytes.</summary>
public sealed record ManifestRef(string Name, string Sha256);

/// <summary>
/// One ingested upload as the site catalog records it. The catalog entry is the commit point of an ingestion: shards
/// become visible to evaluation only when an entry names their <see cref="ShardKey"/>, so a half-finished ingestion
/// is never evaluated.
/// </summary>
public sealed record CatalogEntry
{
    /// <summary>The upload's name inside the uploads container.</summary>
    public required string Upload { get; init; }

    public required string Sha256 { get; init; }

    /// <summary>Folder of this upload's shards under each patient: derived from name, blob version and parse settings.</summary>
    public required string ShardKey { get; init; }

    public required string SettingsFingerprint { get; init; }

    public required string Kind { get; init; }

    public IReadOnlyList<string> Categories { get; init; } = [];

    public DateOnly? CoverageFrom { get; init; }

    public DateOnly? CoverageTo { get; init; }

    /// <summary>Manifests (names inside the uploads container) that applied when the upload was read.</summary>
    public IReadOnlyList<ManifestRef> Manifests { get; init; } = [];

    public int Patients { get; init; }

    public DateRange? Coverage => CoverageFrom is { } from && CoverageTo is { } to ? new DateRange(from, to) : null;
}

/// <summary>
/// The uploads of one site, in one blob updated with optimistic concurrency (ETag). Evaluation reads it once per
/// patient to learn which shards are committed, the canonical name of content that arrived under several names,
/// and what coverage each upload declares.
/// </summary>
public sealed record SiteCatalog
{
    public const string SchemaId = "screening.site-catalog/v1";

    public string Schema { get; init; } = SchemaId;

    public required string SiteId { get; init; }

    public List<CatalogEntry> Uploads { get; init; } = [];

    public SiteCatalog With(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var uploads = Uploads.Where(u => !string.Equals(u.Upload, entry.Upload, StringComparison.Ordinal)).Append(entry)
            .OrderBy(u => u.Upload, StringComparer.Ordinal)
            .ToList();
        return this with { Uploads = uploads };
    }

    public SiteCatalog Without(string upload) =>
        this with { Uploads = Uploads.Where(u => !string.Equals(u.Upload, upload, StringComparison.Ordinal)).ToList() };

    public CatalogEntry? Find(string upload) => Uploads.FirstOrDefault(u => string.Equals(u.Upload, upload, StringComparison.Ordinal));

    /// <summary>
    /// The shard folders evaluation reads, one per distinct content and settings: where the same bytes arrived under
    /// several names, the first name in ordinal order is the one facts cite, and every name is an input.
    /// </summary>
    public IReadOnlyList<(CatalogEntry Canonical, IReadOnlyList<CatalogEntry> Copies)> DistinctContent() =>
        Uploads
            .GroupBy(u => (u.Sha256, u.SettingsFingerprint))
            .Select(g =>
            {
                var copies = g.OrderBy(u => u.Upload, StringComparer.Ordinal).ToList();
                return (copies[0], (IReadOnlyList<CatalogEntry>)copies);
            })
            .OrderBy(x => x.Item1.Upload, StringComparer.Ordinal)
            .ToList();

    public IEnumerable<CoverageDeclaration> CoverageDeclarations() =>
        Uploads
            .Where(u => u.Coverage is not null && u.Categories.Count > 0)
            .Select(u => new CoverageDeclaration(
                StorageLayout.QualifiedUpload(u.Upload),
                u.Categories,
                u.Coverage!.Value,
                u.Manifests.Count == 0 ? "site profile" : string.Join(", ", u.Manifests.Select(m => StorageLayout.QualifiedUpload(m.Name)))));
}
