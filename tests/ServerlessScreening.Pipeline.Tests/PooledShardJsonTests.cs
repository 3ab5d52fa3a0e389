using ServerlessScreening.Facts;
using ServerlessScreening.Pipeline.Ingestion;

namespace ServerlessScreening.Pipeline.Tests;

public sealed class PooledShardJsonTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(2_000)]
    public async Task Pooled_shards_hold_exactly_the_serialized_bytes_from_their_start(int labs)
    {
        var shard = new PatientShard
        {
            SiteId = "site-001",
            PatientId = "P0001",
            Upload = "uploads/site-001/labs.csv",
            Labs = Enumerable.Range(1, labs).Select(line => new LabResult
            {
                TestId = line % 2 == 0 ? "upcr" : "platelets",
                CollectedAt = new Timestamp(new DateOnly(2025, 1, 1).AddDays(line % 300), new TimeOnly(line % 24, 0)),
                Code = line % 2 == 0 ? "2890-2" : "777-3",
                CodeSystem = "LOINC",
                Value = LabValue.Of(line / 7m),
                Unit = line % 2 == 0 ? "g/g" : "10*9/L",
                RawValue = $"{line}",
                Conversion = line % 2 == 0 ? "mg/g ÷ 1000 → g/g" : null,
                Source = new SourceRef("uploads/site-001/labs.csv", line + 1),
            }).ToList(),
        };
        var expected = ShardJson.Serialize(shard);

        await using var pooled = PooledShardJson.Serialize(shard);
        using var copy = new MemoryStream();
        await pooled.CopyToAsync(copy);

        Assert.Equal(expected.Length, pooled.Length);
        Assert.Equal(expected, copy.ToArray());
        if (labs == 2_000)
        {
            // Larger than one pooled block, so the multi-block path is the one checked.
            Assert.True(expected.Length > 64 * 1024);
        }
    }
}
