using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessScreening.Facts;

/// <summary>
/// The storage format of patient shards. Shards are internal (not a contract others read) and written once per
/// patient per upload, millions of facts for a large export. Names are camelCase and nulls omitted, like the
/// contracts; enums are written as their names.
/// <para>
/// The format is what System.Text.Json with source-generated metadata (<see cref="ShardJsonContext"/>) writes and
/// reads. Both directions are by hand, without its per-property converter dispatch: writing with a
/// <see cref="Utf8JsonWriter"/> (<see cref="ShardJsonWriter"/>, the same bytes), reading with a
/// <see cref="Utf8JsonReader"/> (<see cref="ShardJsonReader"/>, the same facts); tests hold each to the generated one.
/// </para>
/// </summary>
public static class ShardJson
{
    public static byte[] Serialize(PatientShard shard) => ShardJsonWriter.Serialize(shard);

    /// <summary>Writes the shard's UTF-8 JSON to <paramref name="output"/> (e.g. a pooled stream), the same bytes <see cref="Serialize"/> returns.</summary>
    public static void Write(PatientShard shard, IBufferWriter<byte> output) => ShardJsonWriter.Write(shard, output);

    public static PatientShard Deserialize(ReadOnlySpan<byte> utf8) => ShardJsonReader.Read(utf8);

    /// <summary>The source-generated reader the hand-written one must match; for tests.</summary>
    internal static PatientShard DeserializeGenerated(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, ShardJsonContext.Default.PatientShard) ?? throw new JsonException("A shard blob holds null.");

    /// <summary>The source-generated serializer the hand-written one must match byte for byte; for tests.</summary>
    internal static byte[] SerializeGenerated(PatientShard shard) => JsonSerializer.SerializeToUtf8Bytes(shard, ShardJsonContext.Default.PatientShard);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(PatientShard))]
internal sealed partial class ShardJsonContext : JsonSerializerContext;

/// <summary>
/// Writes a <see cref="PatientShard"/> exactly as <see cref="ShardJsonContext"/> does: properties in declaration
/// order, camelCase names, null properties left out (false and zero are written), strings escaped by the default
/// encoder, enums by name, dates as <c>yyyy-MM-dd</c>, times and offsets in the constant ("c") format.
/// A property added to a fact type must be added here too; the equality test fails until it is.
/// </summary>
internal static class ShardJsonWriter
{
    private static readonly JsonEncodedText Schema = JsonEncodedText.Encode("schema");
    private static readonly JsonEncodedText SiteId = JsonEncodedText.Encode("siteId");
    private static readonly JsonEncodedText PatientId = JsonEncodedText.Encode("patientId");
    private static readonly JsonEncodedText Upload = JsonEncodedText.Encode("upload");
    private static readonly JsonEncodedText Part = JsonEncodedText.Encode("part");
    private static readonly JsonEncodedText DemographicsName = JsonEncodedText.Encode("demographics");
    private static readonly JsonEncodedText Labs = JsonEncodedText.Encode("labs");
    private static readonly JsonEncodedText Medications = JsonEncodedText.Encode("medications");
    private static readonly JsonEncodedText Clinical = JsonEncodedText.Encode("clinical");

    private static readonly JsonEncodedText SexName = JsonEncodedText.Encode("sex");
    private static readonly JsonEncodedText BirthDate = JsonEncodedText.Encode("birthDate");
    private static readonly JsonEncodedText ScreeningDate = JsonEncodedText.Encode("screeningDate");
    private static readonly JsonEncodedText ConsentDate = JsonEncodedText.Encode("consentDate");
    private static readonly JsonEncodedText RandomizationDate = JsonEncodedText.Encode("randomizationDate");
    private static readonly JsonEncodedText ChildbearingPotential = JsonEncodedText.Encode("childbearingPotential");

    private static readonly JsonEncodedText TestId = JsonEncodedText.Encode("testId");
    private static readonly JsonEncodedText CollectedAt = JsonEncodedText.Encode("collectedAt");
    private static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText CodeSystem = JsonEncodedText.Encode("codeSystem");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText Unit = JsonEncodedText.Encode("unit");
    private static readonly JsonEncodedText UnitRecognized = JsonEncodedText.Encode("unitRecognized");
    private static readonly JsonEncodedText RawValue = JsonEncodedText.Encode("rawValue");
    private static readonly JsonEncodedText RawUnit = JsonEncodedText.Encode("rawUnit");
    private static readonly JsonEncodedText Conversion = JsonEncodedText.Encode("conversion");
    private static readonly JsonEncodedText ReferenceLow = JsonEncodedText.Encode("referenceLow");
    private static readonly JsonEncodedText ReferenceHigh = JsonEncodedText.Encode("referenceHigh");
    private static readonly JsonEncodedText Flag = JsonEncodedText.Encode("flag");
    private static readonly JsonEncodedText Specimen = JsonEncodedText.Encode("specimen");
    private static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("source");

    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText Number = JsonEncodedText.Encode("number");
    private static readonly JsonEncodedText Comparator = JsonEncodedText.Encode("comparator");
    private static readonly JsonEncodedText Result = JsonEncodedText.Encode("result");
    private static readonly JsonEncodedText Grade = JsonEncodedText.Encode("grade");

    private static readonly JsonEncodedText Date = JsonEncodedText.Encode("date");
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText Offset = JsonEncodedText.Encode("offset");

    private static readonly JsonEncodedText DrugName = JsonEncodedText.Encode("drugName");
    private static readonly JsonEncodedText Ingredient = JsonEncodedText.Encode("ingredient");
    private static readonly JsonEncodedText Classes = JsonEncodedText.Encode("classes");
    private static readonly JsonEncodedText Dose = JsonEncodedText.Encode("dose");
    private static readonly JsonEncodedText DoseUnit = JsonEncodedText.Encode("doseUnit");
    private static readonly JsonEncodedText Frequency = JsonEncodedText.Encode("frequency");
    private static readonly JsonEncodedText Route = JsonEncodedText.Encode("route");
    private static readonly JsonEncodedText Start = JsonEncodedText.Encode("start");
    private static readonly JsonEncodedText End = JsonEncodedText.Encode("end");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");

    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Ongoing = JsonEncodedText.Encode("ongoing");

    private static readonly JsonEncodedText Blob = JsonEncodedText.Encode("blob");
    private static readonly JsonEncodedText Line = JsonEncodedText.Encode("line");

    // One writer per thread, reused: shards of one part are serialized concurrently. Between shards it points at
    // NoOutput, so it never keeps a caller's buffer alive.
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    // The encoded form of strings that repeat across facts (codes, units, names, conversions). Bounded in count and
    // length, and per thread like the writer.
    [ThreadStatic]
    private static Dictionary<string, JsonEncodedText>? t_encoded;

    private const int MaxSharedStrings = 1024;

    private const int MaxSharedLength = 128;

    public static void Write(PatientShard shard, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(output);
        var writer = t_writer ??= new Utf8JsonWriter(NoOutput.Instance, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(output);
        try
        {
            WriteShard(writer, shard);
            writer.Flush();
        }
        finally
        {
            writer.Reset(NoOutput.Instance);
        }
    }

    public static byte[] Serialize(PatientShard shard)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        Write(shard, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Where an idle writer points; nothing is ever written to it.</summary>
    private sealed class NoOutput : IBufferWriter<byte>
    {
        public static readonly NoOutput Instance = new();

        public void Advance(int count) => throw new InvalidOperationException("A shard writer wrote while idle.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("A shard writer wrote while idle.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("A shard writer wrote while idle.");
    }

    private static void WriteShard(Utf8JsonWriter writer, PatientShard shard)
    {
        writer.WriteStartObject();
        WriteString(writer, Schema, shard.Schema);
        WriteString(writer, SiteId, shard.SiteId);
        WriteString(writer, PatientId, shard.PatientId);
        WriteString(writer, Upload, shard.Upload);
        writer.WriteNumber(Part, shard.Part);
        WriteList(writer, DemographicsName, shard.Demographics, WriteDemographics);
        WriteList(writer, Labs, shard.Labs, WriteLab);
        WriteList(writer, Medications, shard.Medications, WriteMedication);
        WriteList(writer, Clinical, shard.Clinical, WriteClinical);
        writer.WriteEndObject();
    }

    private static void WriteDemographics(Utf8JsonWriter writer, Demographics fact)
    {
        writer.WriteStartObject();
        if (fact.Sex is { } sex)
        {
            writer.WritePropertyName(SexName);
            WriteEnum(writer, sex);
        }

        WriteDate(writer, BirthDate, fact.BirthDate);
        WriteDate(writer, ScreeningDate, fact.ScreeningDate);
        WriteDate(writer, ConsentDate, fact.ConsentDate);
        WriteDate(writer, RandomizationDate, fact.RandomizationDate);
        if (fact.ChildbearingPotential is { } childbearing)
        {
            writer.WriteBoolean(ChildbearingPotential, childbearing);
        }

        WriteSource(writer, fact.Source);
        writer.WriteEndObject();
    }

    private static void WriteLab(Utf8JsonWriter writer, LabResult fact)
    {
        writer.WriteStartObject();
        WriteShared(writer, TestId, fact.TestId);
        writer.WritePropertyName(CollectedAt);
        WriteTimestamp(writer, fact.CollectedAt);
        WriteShared(writer, Code, fact.Code);
        WriteShared(writer, CodeSystem, fact.CodeSystem);
        WriteShared(writer, Name, fact.Name);
        if (fact.Value is { } value)
        {
            writer.WritePropertyName(Value);
            WriteLabValue(writer, value);
        }

        WriteShared(writer, Unit, fact.Unit);
        writer.WriteBoolean(UnitRecognized, fact.UnitRecognized);
        WriteString(writer, RawValue, fact.RawValue);
        WriteShared(writer, RawUnit, fact.RawUnit);
        WriteShared(writer, Conversion, fact.Conversion);
        WriteNumber(writer, ReferenceLow, fact.ReferenceLow);
        WriteNumber(writer, ReferenceHigh, fact.ReferenceHigh);
        WriteShared(writer, Flag, fact.Flag);
        WriteShared(writer, Specimen, fact.Specimen);
        WriteSource(writer, fact.Source);
        writer.WriteEndObject();
    }

    private static void WriteLabValue(Utf8JsonWriter writer, LabValue value)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(Kind);
        WriteEnum(writer, value.Kind);
        WriteNumber(writer, Number, value.Number);
        WriteShared(writer, Comparator, value.Comparator);
        if (value.Result is { } result)
        {
            writer.WritePropertyName(Result);
            WriteEnum(writer, result);
        }

        WriteString(writer, Grade, value.Grade);
        writer.WriteEndObject();
    }

    private static void WriteMedication(Utf8JsonWriter writer, MedicationRecord fact)
    {
        writer.WriteStartObject();
        WriteString(writer, DrugName, fact.DrugName);
        WriteString(writer, Ingredient, fact.Ingredient);
        if (fact.Classes is { } classes)
        {
            writer.WriteStartArray(Classes);
            foreach (var drugClass in classes)
            {
                if (drugClass is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteStringValue(drugClass);
                }
            }

            writer.WriteEndArray();
        }

        WriteShared(writer, Code, fact.Code);
        WriteShared(writer, CodeSystem, fact.CodeSystem);
        WriteNumber(writer, Dose, fact.Dose);
        WriteString(writer, DoseUnit, fact.DoseUnit);
        WriteString(writer, Frequency, fact.Frequency);
        WriteString(writer, Route, fact.Route);
        WriteDate(writer, Start, fact.Start);
        WriteDate(writer, End, fact.End);
        WriteString(writer, Status, fact.Status);
        WriteSource(writer, fact.Source);
        writer.WriteEndObject();
    }

    private static void WriteClinical(Utf8JsonWriter writer, ClinicalFact fact)
    {
        writer.WriteStartObject();
        WriteString(writer, Type, fact.Type);
        WriteDate(writer, Date, fact.Date);
        WriteDate(writer, End, fact.End);
        writer.WriteBoolean(Ongoing, fact.Ongoing);
        WriteShared(writer, CodeSystem, fact.CodeSystem);
        WriteShared(writer, Code, fact.Code);
        WriteShared(writer, Name, fact.Name);
        WriteString(writer, Value, fact.Value);
        WriteSource(writer, fact.Source);
        writer.WriteEndObject();
    }

    private static void WriteTimestamp(Utf8JsonWriter writer, Timestamp timestamp)
    {
        writer.WriteStartObject();
        WriteDate(writer, Date, timestamp.Date);
        if (timestamp.Time is { } time)
        {
            WriteTimeSpan(writer, Time, time.ToTimeSpan());
        }

        if (timestamp.Offset is { } offset)
        {
            WriteTimeSpan(writer, Offset, offset);
        }

        writer.WriteEndObject();
    }

    private static void WriteSource(Utf8JsonWriter writer, SourceRef source)
    {
        writer.WriteStartObject(SourceName);
        WriteShared(writer, Blob, source.Blob);
        writer.WriteNumber(Line, source.Line);
        writer.WriteEndObject();
    }

    private static void WriteList<T>(Utf8JsonWriter writer, JsonEncodedText name, List<T>? items, Action<Utf8JsonWriter, T> write)
        where T : class
    {
        if (items is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var item in items)
        {
            if (item is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                write(writer, item);
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteString(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>
    /// A string that repeats across facts (test ids, codes, names, units, conversions, the upload): escaped and encoded
    /// once, then copied. Strings that rarely repeat (raw values) go through <see cref="WriteString"/>.
    /// </summary>
    private static void WriteShared(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > MaxSharedLength)
        {
            writer.WriteString(name, value);
            return;
        }

        var encoded = t_encoded ??= new Dictionary<string, JsonEncodedText>(StringComparer.Ordinal);
        if (!encoded.TryGetValue(value, out var text))
        {
            if (encoded.Count >= MaxSharedStrings)
            {
                encoded.Clear();
            }

            text = JsonEncodedText.Encode(value);
            encoded[value] = text;
        }

        writer.WriteString(name, text);
    }

    private static void WriteNumber(Utf8JsonWriter writer, JsonEncodedText name, decimal? value)
    {
        if (value is not { } number)
        {
            return;
        }

        Span<byte> text = stackalloc byte[MaxPlainDecimalLength];
        if (TryFormatPlainDecimal(number, text, out var written))
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(text[..written], skipInputValidation: true);
        }
        else
        {
            writer.WriteNumber(name, number);
        }
    }

    // "0." + 28 digits of scale, or 20 digits and a point.
    private const int MaxPlainDecimalLength = 32;

    /// <summary>
    /// A decimal as System.Text.Json writes it (the general format: every digit of the scale kept, so 83.40 stays
    /// 83.40, never an exponent), for the common case of a value that is not negative and whose integer fits in 64
    /// bits: the integer's digits with the point placed by the scale. Anything else is left to the writer.
    /// </summary>
    internal static bool TryFormatPlainDecimal(decimal value, Span<byte> destination, out int written)
    {
        written = 0;
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var (low, middle, high, flags) = (bits[0], bits[1], bits[2], bits[3]);
        if (high != 0 || flags < 0)
        {
            // More than 64 bits of integer, or a sign (negative zero included).
            return false;
        }

        var scale = (flags >> 16) & 0xFF;
        var integer = ((ulong)(uint)middle << 32) | (uint)low;
        Span<byte> digits = stackalloc byte[20];
        if (!Utf8Formatter.TryFormat(integer, digits, out var count) || destination.Length < Math.Max(count, scale + 1) + 2)
        {
            return false;
        }

        if (scale == 0)
        {
            digits[..count].CopyTo(destination);
            written = count;
        }
        else if (count > scale)
        {
            var whole = count - scale;
            digits[..whole].CopyTo(destination);
            destination[whole] = (byte)'.';
            digits[whole..count].CopyTo(destination[(whole + 1)..]);
            written = count + 1;
        }
        else
        {
            var zeros = scale - count;
            destination[0] = (byte)'0';
            destination[1] = (byte)'.';
            destination.Slice(2, zeros).Fill((byte)'0');
            digits[..count].CopyTo(destination[(2 + zeros)..]);
            written = 2 + zeros + count;
        }

        return true;
    }

    private static void WriteDate(Utf8JsonWriter writer, JsonEncodedText name, DateOnly? value)
    {
        if (value is not { } date)
        {
            return;
        }

        Span<byte> text = stackalloc byte[10];
        if (!date.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("a date did not fit yyyy-MM-dd");
        }

        writer.WriteString(name, text[..written]);
    }

    // The constant format, [-][d.]hh:mm:ss[.fffffff], as System.Text.Json writes TimeOnly and TimeSpan.
    private static void WriteTimeSpan(Utf8JsonWriter writer, JsonEncodedText name, TimeSpan value)
    {
        Span<byte> text = stackalloc byte[26];
        if (!Utf8Formatter.TryFormat(value, text, out var written, 'c'))
        {
            throw new InvalidOperationException("a time did not fit its constant format");
        }

        writer.WriteString(name, text[..written]);
    }

    // By name, as JsonStringEnumConverter writes a defined value; an undefined value is written as its number, as it does.
    private static void WriteEnum<TEnum>(Utf8JsonWriter writer, TEnum value)
        where TEnum : struct, Enum
    {
        if (EnumNames<TEnum>.TryGet(value, out var name))
        {
            writer.WriteStringValue(name);
        }
        else
        {
            writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
        }
    }

    private static class EnumNames<TEnum>
        where TEnum : struct, Enum
    {
        private static readonly Dictionary<TEnum, JsonEncodedText> Names =
            Enum.GetValues<TEnum>().Distinct().ToDictionary(v => v, v => JsonEncodedText.Encode(v.ToString()));

        public static bool TryGet(TEnum value, out JsonEncodedText name) => Names.TryGetValue(value, out name);
    }
}
