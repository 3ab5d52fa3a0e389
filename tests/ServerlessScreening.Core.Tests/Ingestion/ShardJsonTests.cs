using System.Buffers;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Tests.Ingestion;

/// <summary>
/// Shards are written by hand (<see cref="ShardJson.Serialize"/>) and read with the source-generated serializer, so
/// the hand-written bytes must be exactly what that serializer writes, for every value a fact can hold; shards
/// written before the hand-written writer existed must read back the same.
/// </summary>
public sealed class ShardJsonTests
{
    private static readonly string?[] Texts = [null, "", "a", "mg/dL", "10*9/L", "μmol/L", "阳性", "<0.5", ">=5", "say \"hi\"", "back\\slash", "tab\there", "line\nbreak", "\u0001", "a+b&c'd", "😀", "mg/mmol ÷ 113.12 → g/g"];

    private static readonly decimal?[] Numbers = [null, 0m, 0.00m, -0.0m, 1m, 1.0m, 100m, -0.5m, 83.40m, 0.004420m, 18446744073709551615m, 1844674407370955161.5m, 12345678901234567890.5m, decimal.MaxValue, decimal.MinValue, 1e-28m];

    [Fact]
    public void Hand_written_shards_are_byte_for_byte_what_the_generated_serializer_writes()
    {
        var random = new Random(20260101);
        for (var i = 0; i < 500; i++)
        {
            var shard = Shard(random, facts: random.Next(0, 6));
            var expected = ShardJson.SerializeGenerated(shard);
            var actual = ShardJson.Serialize(shard);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(actual));
            Assert.Equal(expected, actual);

            // Written into a caller's buffer after other content: the same bytes, appended.
            var output = new ArrayBufferWriter<byte>(1);
            output.Write("prefix"u8);
            ShardJson.Write(shard, output);
            Assert.Equal([.. "prefix"u8, .. expected], output.WrittenSpan.ToArray());
        }
    }

    [Fact]
    public void Decimals_are_written_as_the_json_writer_writes_them()
    {
        var random = new Random(11);
        Span<byte> ulongBytes = stackalloc byte[8];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(ulongBytes);
            var integer = BitConverter.ToUInt64(ulongBytes) >> random.Next(0, 64);
            var high = random.Next(4) == 0 ? random.Next() : 0;
            var value = new decimal((int)integer, (int)(integer >> 32), high, isNegative: random.Next(8) == 0, scale: (byte)random.Next(0, 29));
            Assert.Equal(Written(value), Plain(value) ?? Written(value));
        }

        Assert.Equal("0.00", Plain(0.00m));
        Assert.Equal("83.40", Plain(83.40m));
        Assert.Equal("0.0000000000000000000000000001", Plain(1e-28m));
        Assert.Null(Plain(-0.5m));

        static string? Plain(decimal value)
        {
            Span<byte> text = stackalloc byte[64];
            return ShardJsonWriter.TryFormatPlainDecimal(value, text, out var written) ? System.Text.Encoding.UTF8.GetString(text[..written]) : null;
        }

        static string Written(decimal value)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                writer.WriteNumberValue(value);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    [Fact]
    public void A_shard_reads_back_to_what_was_written()
    {
        var random = new Random(7);
        for (var i = 0; i < 100; i++)
        {
            var bytes = ShardJson.Serialize(Shard(random, facts: 4));
            Assert.Equal(bytes, ShardJson.Serialize(ShardJson.Deserialize(bytes)));
        }
    }

    private static PatientShard Shard(Random random, int facts)
    {
        var shard = new PatientShard
        {
            SiteId = Text(random) ?? "site-001",
            PatientId = Text(random) ?? "P1",
            Upload = "uploads/site-001/labs.csv",
            Part = random.Next(0, 3),
        };
        for (var i = 0; i < facts; i++)
        {
            shard.Labs.Add(Lab(random));
            if (random.Next(3) == 0)
            {
                shard.Demographics.Add(new Demographics
                {
                    Sex = Maybe(random, random.Next(3) == 2 ? (Sex)7 : (Sex)random.Next(2)),
                    BirthDate = Maybe(random, Date(random)),
                    ScreeningDate = Maybe(random, Date(random)),
                    ConsentDate = Maybe(random, Date(random)),
                    RandomizationDate = Maybe(random, Date(random)),
                    ChildbearingPotential = Maybe(random, random.Next(2) == 0),
                    Source = Source(random),
                });
            }

            if (random.Next(3) == 0)
            {
                shard.Medications.Add(new MedicationRecord
                {
                    DrugName = Text(random) ?? "x",
                    Ingredient = Text(random),
                    Classes = random.Next(3) switch { 0 => [], 1 => ["immunosuppressant"], _ => ["a", "阳性", "b"] },
                    Code = Text(random),
                    CodeSystem = Text(random),
                    Dose = Number(random),
                    DoseUnit = Text(random),
                    Frequency = Text(random),
                    Route = Text(random),
                    Start = Date(random),
                    End = Maybe(random, Date(random)),
                    Status = Text(random),
                    Source = Source(random),
                });
            }

            if (random.Next(3) == 0)
            {
                shard.Clinical.Add(new ClinicalFact
                {
                    Type = ClinicalFactTypes.All[random.Next(ClinicalFactTypes.All.Count)],
                    Date = Date(random),
                    End = Maybe(random, Date(random)),
                    Ongoing = random.Next(2) == 0,
                    CodeSystem = Text(random),
                    Code = Text(random),
                    Name = Text(random),
                    Value = Text(random),
                    Source = Source(random),
                });
            }
        }

        return shard;
    }

    private static LabResult Lab(Random random)
    {
        var kind = (LabValueKind)random.Next(3);
        var value = kind switch
        {
            LabValueKind.Numeric => LabValue.Of(Number(random) ?? 1m),
            LabValueKind.Censored => LabValue.Censor(Text(random) ?? "<", Number(random) ?? 2m),
            _ => LabValue.Of((Qualitative)random.Next(4), Text(random)),
        };
        return new LabResult
        {
            TestId = Text(random) ?? "upcr",
            CollectedAt = Timestamp(random),
            Code = Text(random),
            CodeSystem = Text(random),
            Name = Text(random),
            Value = value,
            Unit = Text(random),
            UnitRecognized = random.Next(2) == 0,
            RawValue = Text(random),
            RawUnit = Text(random),
            Conversion = Text(random),
            ReferenceLow = Number(random),
            ReferenceHigh = Number(random),
            Flag = Text(random),
            Specimen = Text(random),
            Source = Source(random),
        };
    }

    private static Timestamp Timestamp(Random random)
    {
        var date = Date(random);
        return random.Next(4) switch
        {
            0 => Facts.Timestamp.OfDate(date),
            1 => new Timestamp(date, new TimeOnly(random.Next(24), random.Next(60))),
            2 => new Timestamp(date, new TimeOnly(random.Next(24), random.Next(60), random.Next(60), random.Next(1000)), TimeSpan.Zero),
            _ => new Timestamp(date, new TimeOnly(random.Next(24), random.Next(60), random.Next(60)), TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60))),
        };
    }

    private static DateOnly Date(Random random) => new DateOnly(1800, 1, 1).AddDays(random.Next(0, 400 * 365));

    private static SourceRef Source(Random random) => new(Text(random) ?? "uploads/site-001/labs.csv", random.Next(0, int.MaxValue));

    private static string? Text(Random random) => Texts[random.Next(Texts.Length)];

    private static decimal? Number(Random random) => Numbers[random.Next(Numbers.Length)];

    private static T? Maybe<T>(Random random, T value)
        where T : struct => random.Next(2) == 0 ? null : value;
}
