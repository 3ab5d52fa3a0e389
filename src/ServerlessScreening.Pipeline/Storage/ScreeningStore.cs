using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Storage;

/// <summary>A JSON document read from a blob together with the ETag that a conditional write must match.</summary>
public sealed record Versioned<T>(T Value, ETag ETag, IDictionary<string, string> Metadata);

/// <summary>
/// JSON documents in blob storage with the conditional writes the pipeline's idempotency rests on: create-only
/// (If-None-Match: *), replace-if-unchanged (If-Match: ETag), and a compare-and-swap loop for shared documents.
/// </summary>
public sealed class ScreeningStore(BlobServiceClient blobs)
{
    private const int MaxSwapAttempts = 50;

    public BlobServiceClient Blobs { get; } = blobs;

    public BlobContainerClient Container(string name) => Blobs.GetBlobContainerClient(name);

    public BlobClient Blob(string container, string name) => Container(container).GetBlobClient(name);

    public async Task<Versioned<T>?> ReadAsync<T>(string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Blob(container, name).DownloadContentAsync(cancellationToken);
            var value = ContractJson.Deserialize<T>(response.Value.Content.ToStream());
            return new Versioned<T>(value, response.Value.Details.ETag, response.Value.Details.Metadata);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<byte[]?> ReadBytesAsync(string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Blob(container, name).DownloadContentAsync(cancellationToken);
            return response.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<string?> ReadTextAsync(string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Blob(container, name).DownloadContentAsync(cancellationToken);
            return Encoding.UTF8.GetString(response.Value.Content.ToArray()).TrimStart('\uFEFF');
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes JSON already serialized into a seekable stream, unconditionally. The stream must be positioned at its
    /// start: the client sends from the current position and seeks back to it before each retry.
    /// </summary>
    public async Task WriteJsonAsync(string container, string name, Stream utf8Json, CancellationToken cancellationToken) =>
        await Blob(container, name).UploadAsync(utf8Json, new BlobUploadOptions { HttpHeaders = JsonHeaders }, cancellationToken);

    /// <summary>Writes unconditionally (the content is a deterministic function of its name, so last writer wins harmlessly).</summary>
    public async Task<ETag> WriteAsync(string container, string name, object value, CancellationToken cancellationToken, IDictionary<string, string>? metadata = null)
    {
        var response = await Blob(container, name).UploadAsync(
            BinaryData.FromBytes(ContractJson.SerializeToUtf8(value)),
            new BlobUploadOptions { HttpHeaders = JsonHeaders, Metadata = metadata },
            cancellationToken);
        return response.Value.ETag;
    }

    /// <summary>
    /// Writes only if the blob is still at <paramref name="expected"/> (or, when null, does not exist yet).
    /// Returns the new ETag, or null when another writer got there first.
    /// </summary>
    public Task<ETag?> TryWriteAsync(string container, string name, object value, ETag? expected, CancellationToken cancellationToken, IDictionary<string, string>? metadata = null) =>
        TryWriteAsync(container, name, BinaryData.FromBytes(ContractJson.SerializeToUtf8(value)), expected, cancellationToken, metadata);

    /// <summary>As above, for JSON already serialized (<see cref="ContractJson"/>).</summary>
    public async Task<ETag?> TryWriteAsync(string container, string name, BinaryData utf8Json, ETag? expected, CancellationToken cancellationToken, IDictionary<string, string>? metadata = null)
    {
        var conditions = expected is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            var response = await Blob(container, name).UploadAsync(
                utf8Json,
                new BlobUploadOptions { HttpHeaders = JsonHeaders, Conditions = conditions, Metadata = metadata },
                cancellationToken);
            return response.Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    /// <summary>Applies <paramref name="change"/> to a shared document with optimistic concurrency, retrying on conflict.</summary>
    public async Task<T> UpdateAsync<T>(string container, string name, Func<T> create, Func<T, T> change, CancellationToken cancellationToken)
        where T : class =>
        (await UpdateWhileAsync(container, name, create, change, static _ => Task.FromResult(true), cancellationToken))!;

    /// <summary>
    /// As <see cref="UpdateAsync{T}"/>, but gives up (returns null) as soon as <paramref name="stillValid"/> is false.
    /// It is checked on every attempt after the document is read and before the conditional write, so a write that
    /// succeeds was valid when nothing had yet changed the document since: anything that invalidated it and then
    /// changed the document makes that write fail and the next check see it.
    /// </summary>
    public async Task<T?> UpdateWhileAsync<T>(string container, string name, Func<T> create, Func<T, T> change, Func<CancellationToken, Task<bool>> stillValid, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(stillValid);
        for (var attempt = 0; attempt < MaxSwapAttempts; attempt++)
        {
            var current = await ReadAsync<T>(container, name, cancellationToken);
            if (!await stillValid(cancellationToken))
            {
                return null;
            }

            var updated = change(current?.Value ?? create());
            if (current is not null && ContractJson.Serialize(updated) == ContractJson.Serialize(current.Value))
            {
                return updated;
            }

            if (await TryWriteAsync(container, name, updated, current?.ETag, cancellationToken) is not null)
            {
                return updated;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 + (attempt * 20))), cancellationToken);
        }

        throw new InvalidOperationException($"{container}/{name} kept changing under {MaxSwapAttempts} attempts to update it.");
    }

    /// <summary>The blob's current ETag, or null when it does not exist.</summary>
    public async Task<ETag?> ETagAsync(string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await Blob(container, name).GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string container, string name, CancellationToken cancellationToken) =>
        (await Blob(container, name).ExistsAsync(cancellationToken)).Value;

    public async Task<bool> DeleteIfExistsAsync(string container, string name, CancellationToken cancellationToken) =>
        (await Blob(container, name).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;

    public async Task<IReadOnlyList<string>> ListAsync(string container, string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var item in Container(container).GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            names.Add(item.Name);
        }

        return names;
    }

    /// <summary>The immediate "sub-folders" under a prefix (names ending in '/').</summary>
    public async Task<IReadOnlyList<string>> ListFoldersAsync(string container, string prefix, CancellationToken cancellationToken)
    {
        var folders = new List<string>();
        await foreach (var item in Container(container).GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, cancellationToken))
        {
            if (item.IsPrefix)
            {
                folders.Add(item.Prefix);
            }
        }

        return folders;
    }

    /// <summary>Blobs directly under a folder prefix, not in sub-folders.</summary>
    public async Task<IReadOnlyList<string>> ListFolderFilesAsync(string container, string prefix, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        await foreach (var item in Container(container).GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, cancellationToken))
        {
            if (item.IsBlob)
            {
                files.Add(item.Blob.Name);
            }
        }

        return files;
    }

    private static readonly BlobHttpHeaders JsonHeaders = new() { ContentType = "application/json; charset=utf-8" };
}
