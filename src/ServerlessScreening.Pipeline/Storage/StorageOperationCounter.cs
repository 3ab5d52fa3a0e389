using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessScreening.Pipeline.Storage;

/// <summary>
/// Counts storage requests as they are sent (every attempt, retries included), so "storage operations per patient" is
/// counted, not estimated. Register it as a service and the blob and queue clients count through
/// <see cref="BlobPolicy"/> and <see cref="QueuePolicy"/>.
/// </summary>
public sealed class StorageOperationCounter
{
    private long _blobReads;
    private long _blobWrites;
    private long _blobLists;
    private long _queueOperations;

    public StorageOperationCounter()
    {
        BlobPolicy = new Counting(this, queue: false);
        QueuePolicy = new Counting(this, queue: true);
    }

    public HttpPipelinePolicy BlobPolicy { get; }

    public HttpPipelinePolicy QueuePolicy { get; }

    public long BlobReads => Interlocked.Read(ref _blobReads);

    public long BlobWrites => Interlocked.Read(ref _blobWrites);

    public long BlobLists => Interlocked.Read(ref _blobLists);

    public long QueueOperations => Interlocked.Read(ref _queueOperations);

    public long Total => BlobReads + BlobWrites + BlobLists + QueueOperations;

    /// <summary>Requests by kind: method, container or queue (the first path segment after the account) and <c>comp</c>.</summary>
    public IReadOnlyDictionary<string, long> ByKind => _byKind.ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value.Count), StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, Tally> _byKind = new(StringComparer.Ordinal);

    private sealed class Tally
    {
        public long Count;
    }

    private static string KindOf(HttpMessage message)
    {
        var segments = message.Request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // Path-style addresses (the emulator) start with the account; Azure's host-style ones with the container.
        var target = segments.Length switch
        {
            0 => "(service)",
            _ when message.Request.Uri.Host is "127.0.0.1" or "localhost" => segments.Length > 1 ? segments[1] : "(account)",
            _ => segments[0],
        };
        var query = message.Request.Uri.Query;
        var comp = query.IndexOf("comp=", StringComparison.Ordinal) is var at and >= 0
            ? " " + query[(at + 5)..].Split('&')[0]
            : string.Empty;
        return $"{message.Request.Method} {target}{comp}";
    }

    private void Count(HttpMessage message, bool queue)
    {
        Interlocked.Increment(ref _byKind.GetOrAdd(KindOf(message), _ => new Tally()).Count);
        if (queue)
        {
            Interlocked.Increment(ref _queueOperations);
        }
        else if (message.Request.Uri.Query.Contains("comp=list", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _blobLists);
        }
        else if (message.Request.Method == RequestMethod.Get || message.Request.Method == RequestMethod.Head)
        {
            Interlocked.Increment(ref _blobReads);
        }
        else
        {
            Interlocked.Increment(ref _blobWrites);
        }
    }

    private sealed class Counting(StorageOperationCounter counter, bool queue) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            counter.Count(message, queue);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            counter.Count(message, queue);
            return ProcessNextAsync(message, pipeline);
        }
    }
}
