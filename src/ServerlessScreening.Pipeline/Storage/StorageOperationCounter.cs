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

    private void Count(HttpMessage message, bool queue)
    {
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
