using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>
/// Site isolation with per-site links, against Azurite, which validates SAS signatures and permissions. What Azurite
/// does not do (Entra ID user-delegation keys, role-assignment conditions) is covered by the infrastructure tests and
/// stated in the README. Links expire, so these tests run on the real clock.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SiteIsolationTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_upload_link_writes_its_one_blob_in_the_site_folder_and_nothing_else()
    {
        var services = azurite.Pipeline(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow));
        var access = services.GetRequiredService<SiteAccess>();
        var link = await access.UploadLinkAsync("site-a", "2025/labs.csv", TimeSpan.FromHours(1), CancellationToken.None);

        await new BlobClient(link.Uri).UploadAsync(BinaryData.FromString("patient_id,sex\nP1,F\n"), overwrite: true);
        Assert.Equal("uploads/site-a/2025/labs.csv", link.Blob);

        var elsewhere = new BlobUriBuilder(link.Uri) { BlobName = "site-b/labs.csv" }.ToUri();
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(elsewhere).UploadAsync(BinaryData.FromString("x"), overwrite: true));
        Assert.Equal(403, refused.Status);

        var read = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(link.Uri).DownloadContentAsync());
        Assert.Equal(403, read.Status);
    }

    [Theory]
    [InlineData("site-a", "../site-b/labs.csv")]
    [InlineData("site-a", "/site-b/labs.csv")]
    [InlineData("site-a", "a//b.csv")]
    [InlineData("Site_A", "labs.csv")]
    [InlineData("site-a/..", "labs.csv")]
    public async Task Links_outside_the_site_folder_are_refused(string site, string path)
    {
        var access = azurite.Pipeline(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow)).GetRequiredService<SiteAccess>();

        await Assert.ThrowsAsync<ArgumentException>(() => access.UploadLinkAsync(site, path, TimeSpan.FromHours(1), CancellationToken.None));
    }

    [Fact]
    public async Task A_result_link_of_one_site_cannot_read_another_sites_verdicts()
    {
        var services = azurite.Pipeline(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow));
        var store = services.GetRequiredService<ScreeningStore>();
        var (siteA, siteB) = ($"iso-a-{Guid.NewGuid():N}"[..20], $"iso-b-{Guid.NewGuid():N}"[..20]);
        await store.Blob(StorageLayout.VerdictsContainer, $"{siteA}/P1.json").UploadAsync(BinaryData.FromString("{\"site\":\"a\"}"));
        await store.Blob(StorageLayout.VerdictsContainer, $"{siteB}/P1.json").UploadAsync(BinaryData.FromString("{\"site\":\"b\"}"));

        var links = await services.GetRequiredService<SiteAccess>().ResultLinksAsync(siteA, TimeSpan.FromHours(1), CancellationToken.None);

        var link = Assert.Single(links);
        Assert.Equal("{\"site\":\"a\"}", (await new BlobClient(link.Uri).DownloadContentAsync()).Value.Content.ToString());
        var other = new BlobUriBuilder(link.Uri) { BlobName = $"{siteB}/P1.json" }.ToUri();
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(other).DownloadContentAsync());
        Assert.Equal(403, refused.Status);
        var write = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(link.Uri).UploadAsync(BinaryData.FromString("{}"), overwrite: true));
        Assert.Equal(403, write.Status);
    }
}
