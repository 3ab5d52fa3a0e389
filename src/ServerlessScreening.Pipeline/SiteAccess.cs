using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline;

/// <summary>A link a site can use, and when it stops working.</summary>
public sealed record SiteLink(string Blob, Uri Uri, DateTimeOffset ExpiresOn);

/// <summary>
/// Per-site access without giving a site an account credential (the valet-key pattern): a site gets a link that can
/// create or overwrite exactly one blob inside its own upload folder, and read-only links to its own verdicts and
/// reports. Links are SAS tokens scoped to a single blob, so a link for one site can never touch another site's data.
/// They are signed with the account key where the client has one (Azurite), and otherwise with a user delegation key
/// obtained through Microsoft Entra ID (Azure, where shared-key access is disabled).
/// </summary>
public sealed partial class SiteAccess(BlobServiceClient blobs, TimeProvider time)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    /// <summary>A link to upload one file to <c>uploads/{siteId}/{path}</c>: create and write only, no read, list or delete.</summary>
    public async Task<SiteLink> UploadLinkAsync(string siteId, string path, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        CheckSite(siteId);
        if (string.IsNullOrWhiteSpace(path) || path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || path.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException($"'{path}' is not a relative path inside the site's folder.", nameof(path));
        }

        var blob = blobs.GetBlobContainerClient(StorageLayout.UploadsContainer).GetBlobClient($"{siteId}/{path}");
        return await SignAsync(blob, BlobSasPermissions.Create | BlobSasPermissions.Write, lifetime, cancellationToken);
    }

    /// <summary>Read-only links to each of the site's current verdicts and ingestion reports.</summary>
    public async Task<IReadOnlyList<SiteLink>> ResultLinksAsync(string siteId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        CheckSite(siteId);
        var links = new List<SiteLink>();
        foreach (var container in new[] { StorageLayout.VerdictsContainer, StorageLayout.ReportsContainer })
        {
            var client = blobs.GetBlobContainerClient(container);
            await foreach (var item in client.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, siteId + "/", cancellationToken))
            {
                links.Add(await SignAsync(client.GetBlobClient(item.Name), BlobSasPermissions.Read, lifetime, cancellationToken));
            }
        }

        return links;
    }

    private async Task<SiteLink> SignAsync(BlobClient blob, BlobSasPermissions permissions, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, $"a link lives between a minute and {MaxLifetime.TotalDays} days");
        }

        var now = time.GetUtcNow();
        var builder = new BlobSasBuilder
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = now.AddMinutes(-5),
            ExpiresOn = now + lifetime,
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        builder.SetPermissions(permissions);
        if (blob.CanGenerateSasUri)
        {
            return new SiteLink($"{blob.BlobContainerName}/{blob.Name}", blob.GenerateSasUri(builder), builder.ExpiresOn);
        }

        var key = await blobs.GetUserDelegationKeyAsync(builder.StartsOn, builder.ExpiresOn, cancellationToken);
        var uri = new BlobUriBuilder(blob.Uri) { Sas = builder.ToSasQueryParameters(key.Value, blobs.AccountName) }.ToUri();
        return new SiteLink($"{blob.BlobContainerName}/{blob.Name}", uri, builder.ExpiresOn);
    }

    private static void CheckSite(string siteId)
    {
        if (siteId is null || !SiteId().IsMatch(siteId))
        {
            throw new ArgumentException($"'{siteId}' is not a site id (lower-case letters, digits and hyphens).", nameof(siteId));
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex SiteId();
}
