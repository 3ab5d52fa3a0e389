using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline.Ingestion;

/// <summary>The settings an upload is read with, with the manifests they came from, or the reason the site profile could not be used.</summary>
public sealed record ResolvedSettings(ParseSettings Settings, IReadOnlyList<ManifestRef> Manifests, string? ProfileError);

/// <summary>Finds the site profile (<c>config/sites/{siteId}/profile.json</c>) and the manifests that apply to an upload.</summary>
public sealed class UploadSettingsResolver(ScreeningStore store)
{
    public async Task<(SiteProfile? Profile, string? Error)> ProfileAsync(string siteId, CancellationToken cancellationToken)
    {
        var json = await store.ReadTextAsync(StorageLayout.ConfigContainer, StorageLayout.ProfileBlob(siteId), cancellationToken);
        if (json is null)
        {
            return (null, null);
        }

        try
        {
            var profile = JsonConvert.DeserializeObject<SiteProfile>(json, StrictJson.Settings);
            if (profile?.DateFormat is { } format)
            {
                _ = DateReader.ParseOrder(format);
            }

            return (profile, null);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return (null, $"the site profile {StorageLayout.ConfigContainer}/{StorageLayout.ProfileBlob(siteId)} is not valid: {e.Message}");
        }
    }

    public async Task<ResolvedSettings> ResolveAsync(string siteId, string upload, CancellationToken cancellationToken)
    {
        var (profile, error) = await ProfileAsync(siteId, cancellationToken);
        var (folder, file) = StorageLayout.ManifestsFor(upload);
        var folderManifest = await ManifestAsync(folder, cancellationToken);
        var fileManifest = await ManifestAsync(file, cancellationToken);
        var settings = ParseSettings.Resolve(
            profile,
            folderManifest is null ? null : (folderManifest.Value.Ref.Name, folderManifest.Value.Manifest),
            fileManifest is null ? null : (fileManifest.Value.Ref.Name, fileManifest.Value.Manifest));
        var manifests = new[] { folderManifest?.Ref, fileManifest?.Ref }.OfType<ManifestRef>().ToList();
        return new ResolvedSettings(settings, manifests, error);
    }

    /// <summary>A valid manifest, or null when there is none or it is invalid (its own ingestion reports why).</summary>
    public async Task<(ManifestRef Ref, UploadManifest Manifest)?> ManifestAsync(string name, CancellationToken cancellationToken)
    {
        var bytes = await store.ReadBytesAsync(StorageLayout.UploadsContainer, name, cancellationToken);
        if (bytes is null)
        {
            return null;
        }

        var parsed = UploadManifest.Parse(Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF'));
        if (!parsed.IsOk)
        {
            return null;
        }

        return (new ManifestRef(name, Convert.ToHexStringLower(SHA256.HashData(bytes))), parsed.Value!);
    }
}
