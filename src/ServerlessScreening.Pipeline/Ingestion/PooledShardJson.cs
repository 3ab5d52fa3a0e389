using Microsoft.IO;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Pipeline.Ingestion;

/// <summary>
/// Serializes shards into pooled memory, so a large export allocates no buffer per shard: the stream's blocks return
/// to the pool when it is disposed, after its upload. The pool is shared by every ingestion in the process and keeps
/// at most 16 MiB of free blocks and 16 MiB of free large buffers between uses.
/// </summary>
public static class PooledShardJson
{
    private static readonly RecyclableMemoryStreamManager Streams = new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = 64 * 1024,
        MaximumSmallPoolFreeBytes = 16 * 1024 * 1024,
        MaximumLargePoolFreeBytes = 16 * 1024 * 1024,
    });

    /// <summary>The shard's JSON in a pooled stream positioned at its start; the caller disposes it.</summary>
    public static Stream Serialize(PatientShard shard)
    {
        var stream = Streams.GetStream("shard");
        try
        {
            ShardJson.Write(shard, stream);
            stream.Position = 0;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }
}
