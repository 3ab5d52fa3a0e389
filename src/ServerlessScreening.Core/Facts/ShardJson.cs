using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessScreening.Facts;

/// <summary>
/// The storage format of patient shards. Shards are internal (not a contract others read) and written once per
/// patient per upload, millions of times for a large export, so they use System.Text.Json with source-generated
/// serialization instead of the reflection-based serializer of the published contracts: no reflection, far fewer
/// allocations per fact. Names are camelCase and nulls omitted, like the contracts.
/// </summary>
public static class ShardJson
{
    public static byte[] Serialize(PatientShard shard) => JsonSerializer.SerializeToUtf8Bytes(shard, ShardJsonContext.Default.PatientShard);

    public static PatientShard Deserialize(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, ShardJsonContext.Default.PatientShard) ?? throw new JsonException("A shard blob holds null.");
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(PatientShard))]
internal sealed partial class ShardJsonContext : JsonSerializerContext;
