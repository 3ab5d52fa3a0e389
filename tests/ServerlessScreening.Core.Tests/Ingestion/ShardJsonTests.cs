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

    [Fact]
    public void The_hand_written_reader_reads_the_facts_the_generated_reader_reads()
    {
        var random = new Random(20261202);
        for (var i = 0; i < 500; i++)
        {
            var bytes = ShardJson.Serialize(Shard(random, facts: random.Next(0, 6)));
            var generated = ShardJson.Serialize(ShardJson.DeserializeGenerated(bytes));
            var hand = ShardJson.Serialize(ShardJson.Deserialize(bytes));
            Assert.Equal(System.Text.Encoding.UTF8.GetString(generated), System.Text.Encoding.UTF8.GetString(hand));
            Assert.Equal(bytes, hand);
        }
    }

    [Fact]
    public void The_hand_written_reader_takes_properties_in_any_order_skips_unknown_ones_and_reads_nulls()
    {
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(ShardJson.Serialize(Shard(random, facts: 3)))!;
            Reshape(node, random);
            var bytes = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = random.Next(2) == 0 }));
            Assert.Equal(ShardJson.Serialize(ShardJson.DeserializeGenerated(bytes)), ShardJson.Serialize(ShardJson.Deserialize(bytes)));
        }

        // Reverses each object's properties, adds an unknown property of every JSON shape, and writes some absent
        // optional properties as explicit nulls.
        static void Reshape(System.Text.Json.Nodes.JsonNode node, Random random)
        {
            switch (node)
            {
                case System.Text.Json.Nodes.JsonObject obj:
                    var properties = obj.Select(p => (p.Key, Value: p.Value)).ToList();
                    obj.Clear();
                    obj["unknownObject"] = new System.Text.Json.Nodes.JsonObject { ["a"] = new System.Text.Json.Nodes.JsonArray(1, "x", null) };
                    foreach (var (key, value) in Enumerable.Reverse(properties))
                    {
                        if (value is not null)
                        {
                            Reshape(value, random);
                        }

                        obj[key] = value;
                    }

                    obj["unknownNumber"] = 1.5;
                    if (obj.ContainsKey("testId") && !obj.ContainsKey("flag"))
                    {
                        obj["flag"] = null;
                    }

                    if (obj.ContainsKey("drugName") && !obj.ContainsKey("end"))
                    {
                        obj["end"] = null;
                    }

                    break;
                case System.Text.Json.Nodes.JsonArray array:
                    foreach (var item in array)
                    {
                        if (item is not null)
                        {
                            Reshape(item, random);
                        }
                    }

                    break;
            }
        }
    }

    [Theory]
    [InlineData("testId")]
    [InlineData("collectedAt")]
    [InlineData("value")]
    [InlineData("source")]
    [InlineData("kind")]
    public void A_lab_result_without_a_required_property_is_an_error_in_both_readers(string property)
    {
        var shard = new PatientShard { SiteId = "site-001", PatientId = "P1", Upload = "uploads/site-001/labs.csv" };
        shard.Labs.Add(Lab(new Random(3)) with { Value = LabValue.Of(1.5m) });
        var node = System.Text.Json.Nodes.JsonNode.Parse(ShardJson.Serialize(shard))!;
        var lab = node["labs"]![0]!.AsObject();
        if (!lab.Remove(property))
        {
            lab["value"]!.AsObject().Remove(property);
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ShardJson.DeserializeGenerated(bytes));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ShardJson.Deserialize(bytes));
    }

    [Theory]
    [InlineData("2025-02-30")]
    [InlineData("2025-2-03")]
    [InlineData("20250203")]
    [InlineData("2025-02-03T00:00")]
    public void A_date_that_is_not_a_calendar_date_as_yyyy_MM_dd_is_an_error(string date)
    {
        var json = $$$"""{"siteId":"s","patientId":"p","upload":"u","medications":[{"drugName":"x","start":"{{{date}}}","source":{"blob":"u","line":2}}]}""";
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ShardJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("\"testId\":5")]
    [InlineData("\"testId\":[\"upcr\"]")]
    [InlineData("\"unitRecognized\":\"yes\"")]
    [InlineData("\"referenceLow\":\"0.5\"")]
    [InlineData("\"referenceLow\":1e40")]
    [InlineData("\"collectedAt\":{\"date\":\"2025-01-01\",\"time\":\"25:00:00\"}")]
    [InlineData("\"source\":{\"blob\":\"b\",\"line\":2147483648}")]
    [InlineData("\"value\":{\"kind\":\"huge\"}")]
    [InlineData("\"value\":{\"kind\":2147483648}")]
    [InlineData("\"collectedAt\":{\"date\":null}")]
    [InlineData("\"collectedAt\":{\"date\":\"2025-01-01\",\"time\":\" 08:30:00\"}")]
    [InlineData("\"collectedAt\":{\"date\":\"2025-01-01\",\"time\":\"08:30:00 \"}")]
    [InlineData("\"collectedAt\":{\"date\":\"2025-01-01\",\"time\":\"0.08:30:00\"}")]
    [InlineData("\"collectedAt\":{\"date\":\"2025-01-01\",\"time\":\"-00:00:00\"}")]
    [InlineData("\"collectedAt\":{\"date\":\"2025-01-01\",\"time\":\"08:30:00\",\"offset\":\" 08:00:00\"}")]
    [InlineData("\"collectedAt\":{\"date\":\"2025-01-01\",\"time\":\"\\u002008:30:00\"}")]
    public void A_value_of_the_wrong_type_or_range_is_a_json_error_in_both_readers(string property)
    {
        var bytes = ShardWithOneLab(property);
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ShardJson.DeserializeGenerated(bytes));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ShardJson.Deserialize(bytes));
    }

    [Theory]
    [InlineData("\"collectedAt\":{}")]
    [InlineData("\"testId\":null")]
    [InlineData("\"value\":null")]
    [InlineData("\"source\":null")]
    [InlineData("\"source\":{\"line\":2}")]
    [InlineData("\"source\":{\"blob\":null,\"line\":2}")]
    public void A_required_value_written_as_null_or_a_timestamp_without_a_date_is_an_error(string property) =>
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ShardJson.Deserialize(ShardWithOneLab(property)));

    /// <summary>A shard of one valid lab result, then <paramref name="property"/>, which overrides one of its properties (the last of a name wins).</summary>
    private static byte[] ShardWithOneLab(string property)
    {
        var lab = $$$"""{"testId":"upcr","collectedAt":{"date":"2025-01-01"},"value":{"kind":"Numeric","number":1},"source":{"blob":"b","line":2},{{{property}}}}""";
        return System.Text.Encoding.UTF8.GetBytes($$$"""{"siteId":"s","patientId":"p","upload":"u","labs":[{{{lab}}}]}""");
    }

    [Fact]
    public void A_unit_not_stated_as_recognised_reads_as_not_recognised_and_absent_lists_as_empty()
    {
        var bytes = """{"siteId":"s","patientId":"p","upload":"u","labs":[{"testId":"upcr","collectedAt":{"date":"2025-01-01"},"value":{"kind":"Numeric","number":1},"source":{"blob":"b","line":2}}],"medications":[{"drugName":"x","start":"2025-01-01","source":{"blob":"b","line":3}}]}"""u8.ToArray();

        var generated = ShardJson.DeserializeGenerated(bytes);
        var hand = ShardJson.Deserialize(bytes);

        Assert.False(generated.Labs[0].UnitRecognized);
        Assert.False(hand.Labs[0].UnitRecognized);
        Assert.Empty(hand.Demographics);
        Assert.Empty(hand.Clinical);
        Assert.Empty(hand.Medications[0].Classes);
        Assert.Equal(PatientShard.SchemaId, hand.Schema);
    }

    [Fact]
    public void Texts_that_repeat_across_facts_are_read_as_one_instance()
    {
        var shard = new PatientShard { SiteId = "site-001", PatientId = "P1", Upload = "uploads/site-001/labs.csv" };
        var random = new Random(9);
        shard.Labs.Add(Lab(random) with { TestId = "upcr", Source = new SourceRef("uploads/site-001/labs.csv", 2) });
        shard.Labs.Add(Lab(random) with { TestId = "upcr", Source = new SourceRef("uploads/site-001/labs.csv", 3) });
        var read = ShardJson.Deserialize(ShardJson.Serialize(shard));
        Assert.Equal("upcr", read.Labs[0].TestId);
        Assert.Same(read.Labs[0].TestId, read.Labs[1].TestId);
        Assert.Same(read.Labs[0].Source.Blob, read.Labs[1].Source.Blob);
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
            0 => ServerlessScreening.Facts.Timestamp.OfDate(date),
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
