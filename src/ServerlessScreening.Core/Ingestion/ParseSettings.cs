using System.Security.Cryptography;
using Newtonsoft.Json;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Ingestion;

/// <summary>
/// A site's own way of exporting, as configuration (never code): its column names, local test and drug codes,
/// encoding, day/month order and decimal separator, and a default coverage for its uploads.
/// </summary>
public sealed record SiteProfile
{
    public string? SiteId { get; init; }

    public string? Encoding { get; init; }

    public string? DateFormat { get; init; }

    public string? DecimalSeparator { get; init; }

    /// <summary>Extra header names per canonical field, e.g. <c>{ "patient_id": ["住院号"] }</c>.</summary>
    public Dictionary<string, List<string>> Columns { get; init; } = [];

    /// <summary>A site's local lab codes mapped to a LOINC code or a lab catalogue test id.</summary>
    public Dictionary<string, string> LocalTestCodes { get; init; } = [];

    /// <summary>A site's local drug codes mapped to an ATC code, RxNorm code or catalogue ingredient id.</summary>
    public Dictionary<string, string> LocalDrugCodes { get; init; } = [];

    public CoverageSpec? DefaultCoverage { get; init; }

    /// <summary>Screening date for patients whose data carries none; overrides the deployment's default for this site.</summary>
    public DateOnly? DefaultScreeningDate { get; init; }
}

/// <summary>A declared coverage period; <see cref="Categories"/> empty means every category the upload holds.</summary>
public sealed record CoverageSpec
{
    public DateOnly? From { get; init; }

    public DateOnly? To { get; init; }

    public List<string> Categories { get; init; } = [];
}

/// <summary>A sidecar manifest (<c>manifest.json</c> for a folder, <c>{file}.manifest.json</c> for one file).</summary>
public sealed record UploadManifest
{
    public CoverageSpec? Coverage { get; init; }

    public string? Kind { get; init; }

    public string? Encoding { get; init; }

    public string? DateFormat { get; init; }

    public static Parsed<UploadManifest> Parse(string json)
    {
        try
        {
            var manifest = JsonConvert.DeserializeObject<UploadManifest>(json, StrictJson.Settings);
            if (manifest is null)
            {
                return Parsed<UploadManifest>.Error(ErrorCodes.ManifestInvalid, "the manifest is empty");
            }

            if (manifest.Coverage is { } coverage && (coverage.From is null || coverage.To is null || coverage.From > coverage.To))
            {
                return Parsed<UploadManifest>.Error(ErrorCodes.ManifestInvalid, "coverage needs both 'from' and 'to' (yyyy-MM-dd), with from on or before to");
            }

            if (manifest.DateFormat is not null)
            {
                _ = DateReader.ParseOrder(manifest.DateFormat);
            }

            if (manifest.Encoding is not null && TextDecoding.Named(manifest.Encoding) is null)
            {
                return Parsed<UploadManifest>.Error(ErrorCodes.ManifestInvalid, $"encoding '{manifest.Encoding}' is not known; use utf-8, utf-16 or gb18030");
            }

            return Parsed<UploadManifest>.Ok(manifest);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return Parsed<UploadManifest>.Error(ErrorCodes.ManifestInvalid, "the manifest is not valid: " + e.Message);
        }
    }
}

/// <summary>
/// The settings one upload is parsed with: site profile, then the folder manifest, then the file manifest, each
/// overriding the one before. <see cref="Fingerprint"/> changes whenever a setting that changes parsing changes,
/// which is how a manifest that arrives after its file causes the file to be read again.
/// </summary>
public sealed record ParseSettings
{
    public static readonly ParseSettings Default = new();

    public SiteProfile Profile { get; init; } = new();

    public string? Kind { get; init; }

    public string? Encoding { get; init; }

    public string? DateFormat { get; init; }

    public CoverageSpec? Coverage { get; init; }

    /// <summary>The manifests that contributed, container-qualified blob names, for the report and the verdict inputs.</summary>
    public IReadOnlyList<string> Manifests { get; init; } = [];

    public static ParseSettings Resolve(SiteProfile? profile, (string Blob, UploadManifest Manifest)? folderManifest, (string Blob, UploadManifest Manifest)? fileManifest)
    {
        profile ??= new SiteProfile();
        var settings = new ParseSettings
        {
            Profile = profile,
            Encoding = profile.Encoding,
            DateFormat = profile.DateFormat,
            Coverage = profile.DefaultCoverage,
        };
        var manifests = new List<string>();
        foreach (var layer in new[] { folderManifest, fileManifest })
        {
            if (layer is not { } found)
            {
                continue;
            }

            manifests.Add(found.Blob);
            settings = settings with
            {
                Kind = found.Manifest.Kind ?? settings.Kind,
                Encoding = found.Manifest.Encoding ?? settings.Encoding,
                DateFormat = found.Manifest.DateFormat ?? settings.DateFormat,
                Coverage = found.Manifest.Coverage ?? settings.Coverage,
            };
        }

        return settings with { Manifests = manifests };
    }

    /// <summary>Hash of everything that changes how rows are read (not coverage, which is applied at evaluation).</summary>
    public string Fingerprint()
    {
        var parsing = new { Kind, Encoding, DateFormat, Profile.DecimalSeparator, Profile.Columns, Profile.LocalTestCodes, Profile.LocalDrugCodes };
        var json = JsonConvert.SerializeObject(parsing, StrictJson.Settings);
        return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..16];
    }

    public DateRange? CoveragePeriod =>
        Coverage is { From: { } from, To: { } to } ? new DateRange(from, to) : null;
}

/// <summary>JSON settings for configuration and manifests: unknown members are errors, so a misspelt key is reported rather than ignored.</summary>
public static class StrictJson
{
    public static readonly JsonSerializerSettings Settings = new()
    {
        MissingMemberHandling = MissingMemberHandling.Error,
        ContractResolver = new Newtonsoft.Json.Serialization.DefaultContractResolver
        {
            NamingStrategy = new Newtonsoft.Json.Serialization.CamelCaseNamingStrategy(),
        },
        DateParseHandling = DateParseHandling.None,
        Formatting = Formatting.None,
    };
}
