using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace ServerlessScreening.Facts;

/// <summary>
/// Reads a <see cref="PatientShard"/> as <see cref="ShardJsonContext"/> reads what <see cref="ShardJsonWriter"/>
/// writes, by hand over a <see cref="Utf8JsonReader"/>: properties in any order, unknown properties skipped, nulls read
/// as null, enums by name (any case) or number, dates as <c>yyyy-MM-dd</c>, times and offsets in the constant ("c")
/// format. Tests hold the two readers to the same facts over random shards.
/// </summary>
/// <remarks>
/// <para>
/// A required property written as null, and a timestamp without a date, are errors here, where the generated reader
/// accepts them. A property the writer always writes but a shard lacks reads as the fact type's default (an empty
/// list, the current schema id), except <c>unitRecognized</c>, which reads false as in the generated reader: a unit
/// not stated as recognised is never compared against a threshold.
/// </para>
/// <para>
/// Reading a shard is most of what an evaluation costs (the engine is a few percent of it), and the generated
/// reader spends it in per-property converter dispatch and in a new string for every repeated text. Here each
/// property is read in place, and texts that repeat across facts and shards (test ids, codes, units, upload names,
/// drug classes) are one shared instance each, which also lets the lab timeline match test ids by reference.
/// </para>
/// </remarks>
internal static class ShardJsonReader
{
    // Repeated texts, shared per thread. Bounded in count and length like the writer's encoded strings, so a
    // shard of unusual texts cannot grow it without limit.
    [ThreadStatic]
    private static Dictionary<string, string>? t_shared;

    private const int MaxSharedStrings = 4096;

    private const int MaxSharedLength = 128;

    public static PatientShard Read(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                throw new JsonException("A shard blob holds null.");
            }

            var shard = ReadShard(ref reader);
            if (reader.Read())
            {
                throw new JsonException($"A shard blob holds more than one value (byte {reader.TokenStartIndex}).");
            }

            return shard;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            // A value of the wrong JSON type or out of range for its property: a malformed shard, as the generated
            // reader reports it.
            throw new JsonException($"A shard value at byte {reader.TokenStartIndex} is not of its property's type or range: {e.Message}", e);
        }
    }

    private static PatientShard ReadShard(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "shard");
        string? schema = null, siteId = null, patientId = null, upload = null;
        var part = 0;
        List<Demographics>? demographics = null;
        List<LabResult>? labs = null;
        List<MedicationRecord>? medications = null;
        List<ClinicalFact>? clinical = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("labs"u8))
            {
                labs = ReadList(ref reader, ReadLab);
            }
            else if (reader.ValueTextEquals("medications"u8))
            {
                medications = ReadList(ref reader, ReadMedication);
            }
            else if (reader.ValueTextEquals("demographics"u8))
            {
                demographics = ReadList(ref reader, ReadDemographics);
            }
            else if (reader.ValueTextEquals("clinical"u8))
            {
                clinical = ReadList(ref reader, ReadClinical);
            }
            else if (reader.ValueTextEquals("schema"u8))
            {
                schema = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("siteId"u8))
            {
                siteId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("patientId"u8))
            {
                patientId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("upload"u8))
            {
                upload = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("part"u8))
            {
                part = ReadInt(ref reader);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new PatientShard
        {
            Schema = schema ?? PatientShard.SchemaId,
            SiteId = Required(siteId, "siteId", "shard"),
            PatientId = Required(patientId, "patientId", "shard"),
            Upload = Required(upload, "upload", "shard"),
            Part = part,
            Demographics = demographics ?? [],
            Labs = labs ?? [],
            Medications = medications ?? [],
            Clinical = clinical ?? [],
        };
    }

    private delegate T ItemReader<T>(ref Utf8JsonReader reader);

    private static List<T>? ReadList<T>(ref Utf8JsonReader reader, ItemReader<T> read)
        where T : class
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartArray, "list of facts");
        var items = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(reader.TokenType == JsonTokenType.Null ? null! : read(ref reader));
        }

        return items;
    }

    private static LabResult ReadLab(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "lab result");
        string? testId = null, code = null, codeSystem = null, name = null, unit = null, rawValue = null, rawUnit = null, conversion = null, flag = null, specimen = null;
        Timestamp? collectedAt = null;
        LabValue? value = null;
        decimal? referenceLow = null, referenceHigh = null;
        var unitRecognized = false;
        SourceRef? source = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("testId"u8))
            {
                testId = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("collectedAt"u8))
            {
                collectedAt = ReadTimestamp(ref reader);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                value = ReadLabValue(ref reader);
            }
            else if (reader.ValueTextEquals("unit"u8))
            {
                unit = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("unitRecognized"u8))
            {
                unitRecognized = ReadBoolean(ref reader);
            }
            else if (reader.ValueTextEquals("referenceLow"u8))
            {
                referenceLow = ReadDecimal(ref reader);
            }
            else if (reader.ValueTextEquals("referenceHigh"u8))
            {
                referenceHigh = ReadDecimal(ref reader);
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                source = ReadSource(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("codeSystem"u8))
            {
                codeSystem = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                name = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("rawValue"u8))
            {
                rawValue = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("rawUnit"u8))
            {
                rawUnit = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("conversion"u8))
            {
                conversion = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("flag"u8))
            {
                flag = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("specimen"u8))
            {
                specimen = ReadShared(ref reader);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new LabResult
        {
            TestId = Required(testId, "testId", "lab result"),
            CollectedAt = collectedAt ?? throw Missing("collectedAt", "lab result"),
            Code = code,
            CodeSystem = codeSystem,
            Name = name,
            Value = Required(value, "value", "lab result"),
            Unit = unit,
            UnitRecognized = unitRecognized,
            RawValue = rawValue,
            RawUnit = rawUnit,
            Conversion = conversion,
            ReferenceLow = referenceLow,
            ReferenceHigh = referenceHigh,
            Flag = flag,
            Specimen = specimen,
            Source = Required(source, "source", "lab result"),
        };
    }

    private static LabValue? ReadLabValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartObject, "lab value");
        LabValueKind? kind = null;
        decimal? number = null;
        string? comparator = null, grade = null;
        Qualitative? result = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("kind"u8))
            {
                kind = ReadEnum<LabValueKind>(ref reader);
            }
            else if (reader.ValueTextEquals("number"u8))
            {
                number = ReadDecimal(ref reader);
            }
            else if (reader.ValueTextEquals("comparator"u8))
            {
                comparator = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                result = ReadEnum<Qualitative>(ref reader);
            }
            else if (reader.ValueTextEquals("grade"u8))
            {
                grade = ReadShared(ref reader);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new LabValue
        {
            Kind = kind ?? throw Missing("kind", "lab value"),
            Number = number,
            Comparator = comparator,
            Result = result,
            Grade = grade,
        };
    }

    private static MedicationRecord ReadMedication(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "medication");
        string? drugName = null, ingredient = null, code = null, codeSystem = null, doseUnit = null, frequency = null, route = null, status = null;
        List<string>? classes = null;
        var classesRead = false;
        decimal? dose = null;
        DateOnly? start = null, end = null;
        SourceRef? source = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("drugName"u8))
            {
                drugName = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("ingredient"u8))
            {
                ingredient = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("classes"u8))
            {
                classes = ReadStrings(ref reader);
                classesRead = true;
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("codeSystem"u8))
            {
                codeSystem = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("dose"u8))
            {
                dose = ReadDecimal(ref reader);
            }
            else if (reader.ValueTextEquals("doseUnit"u8))
            {
                doseUnit = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("frequency"u8))
            {
                frequency = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("route"u8))
            {
                route = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("start"u8))
            {
                start = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("end"u8))
            {
                end = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                status = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                source = ReadSource(ref reader);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new MedicationRecord
        {
            DrugName = Required(drugName, "drugName", "medication"),
            Ingredient = ingredient,

            // Written as null, the list is null, as the generated reader leaves it; absent, it is empty.
            Classes = classesRead ? classes! : [],
            Code = code,
            CodeSystem = codeSystem,
            Dose = dose,
            DoseUnit = doseUnit,
            Frequency = frequency,
            Route = route,
            Start = start ?? throw Missing("start", "medication"),
            End = end,
            Status = status,
            Source = Required(source, "source", "medication"),
        };
    }

    private static List<string>? ReadStrings(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartArray, "list of texts");
        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(SharedValue(ref reader)!);
        }

        return items;
    }

    private static Demographics ReadDemographics(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "demographics");
        Sex? sex = null;
        DateOnly? birthDate = null, screeningDate = null, consentDate = null, randomizationDate = null;
        bool? childbearingPotential = null;
        SourceRef? source = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("sex"u8))
            {
                sex = ReadEnum<Sex>(ref reader);
            }
            else if (reader.ValueTextEquals("birthDate"u8))
            {
                birthDate = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("screeningDate"u8))
            {
                screeningDate = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("consentDate"u8))
            {
                consentDate = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("randomizationDate"u8))
            {
                randomizationDate = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("childbearingPotential"u8))
            {
                reader.Read();
                childbearingPotential = reader.TokenType == JsonTokenType.Null ? null : reader.GetBoolean();
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                source = ReadSource(ref reader);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new Demographics
        {
            Sex = sex,
            BirthDate = birthDate,
            ScreeningDate = screeningDate,
            ConsentDate = consentDate,
            RandomizationDate = randomizationDate,
            ChildbearingPotential = childbearingPotential,
            Source = Required(source, "source", "demographics"),
        };
    }

    private static ClinicalFact ReadClinical(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "clinical fact");
        string? type = null, codeSystem = null, code = null, name = null, value = null;
        DateOnly? date = null, end = null;
        var ongoing = false;
        SourceRef? source = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8))
            {
                type = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("date"u8))
            {
                date = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("end"u8))
            {
                end = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("ongoing"u8))
            {
                ongoing = ReadBoolean(ref reader);
            }
            else if (reader.ValueTextEquals("codeSystem"u8))
            {
                codeSystem = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                name = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                value = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                source = ReadSource(ref reader);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new ClinicalFact
        {
            Type = Required(type, "type", "clinical fact"),
            Date = date ?? throw Missing("date", "clinical fact"),
            End = end,
            Ongoing = ongoing,
            CodeSystem = codeSystem,
            Code = code,
            Name = name,
            Value = value,
            Source = Required(source, "source", "clinical fact"),
        };
    }

    private static Timestamp ReadTimestamp(ref Utf8JsonReader reader)
    {
        reader.Read();
        Expect(ref reader, JsonTokenType.StartObject, "timestamp");
        DateOnly? date = null;
        TimeOnly? time = null;
        TimeSpan? offset = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("date"u8))
            {
                date = ReadDate(ref reader);
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                // The format check leaves no day part or sign, so the time is within one day.
                time = ReadTimeSpan(ref reader, timeOfDay: true) is { } span ? new TimeOnly(span.Ticks) : null;
            }
            else if (reader.ValueTextEquals("offset"u8))
            {
                offset = ReadTimeSpan(ref reader, timeOfDay: false);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new Timestamp(date ?? throw Missing("date", "timestamp"), time, offset);
    }

    private static SourceRef? ReadSource(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartObject, "source");
        string? blob = null;
        var line = 0;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("blob"u8))
            {
                blob = ReadShared(ref reader);
            }
            else if (reader.ValueTextEquals("line"u8))
            {
                line = ReadInt(ref reader);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new SourceRef(Required(blob, "blob", "source"), line);
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    private static void Skip(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"Expected a {what} ({type}), found {reader.TokenType} at byte {reader.TokenStartIndex}.");
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.GetString();
    }

    private static string? ReadShared(ref Utf8JsonReader reader)
    {
        reader.Read();
        return SharedValue(ref reader);
    }

    /// <summary>The current string token as the shared instance of its text, or null for a JSON null.</summary>
    private static string? SharedValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        // UTF-8 takes at least one byte per character, so a text of at most this many bytes fits the buffer.
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (reader.TokenType != JsonTokenType.String || length > MaxSharedLength)
        {
            return reader.GetString();
        }

        Span<char> chars = stackalloc char[MaxSharedLength];
        var count = reader.CopyString(chars);
        var shared = t_shared ??= new Dictionary<string, string>(StringComparer.Ordinal);
        var lookup = shared.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars[..count], out var text))
        {
            return text;
        }

        if (shared.Count >= MaxSharedStrings)
        {
            shared.Clear();
        }

        text = new string(chars[..count]);
        shared[text] = text;
        return text;
    }

    private static int ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.GetInt32();
    }

    private static bool ReadBoolean(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.GetBoolean();
    }

    private static decimal? ReadDecimal(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetDecimal();
    }

    private static DateOnly? ReadDate(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && !reader.ValueIsEscaped
            && TryParseIsoDate(reader.ValueSpan, out var date))
        {
            return date;
        }

        var text = reader.GetString()!;
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
            ? date
            : throw new JsonException($"'{text}' is not a date as yyyy-MM-dd (byte {reader.TokenStartIndex}).");
    }

    /// <summary><c>yyyy-MM-dd</c> read digit by digit; false for anything else, which the caller reads the slow way.</summary>
    private static bool TryParseIsoDate(ReadOnlySpan<byte> text, out DateOnly date)
    {
        date = default;
        if (text.Length != 10 || text[4] != '-' || text[7] != '-')
        {
            return false;
        }

        var year = 0;
        for (var i = 0; i < 4; i++)
        {
            var digit = text[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            year = (year * 10) + digit;
        }

        var month = ((text[5] - '0') * 10) + (text[6] - '0');
        var day = ((text[8] - '0') * 10) + (text[9] - '0');
        if ((uint)(text[5] - '0') > 9 || (uint)(text[6] - '0') > 9 || (uint)(text[8] - '0') > 9 || (uint)(text[9] - '0') > 9
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    private static TimeSpan? ReadTimeSpan(ref Utf8JsonReader reader, bool timeOfDay)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && !reader.ValueIsEscaped
            && IsConstantFormat(reader.ValueSpan, timeOfDay)
            && Utf8Parser.TryParse(reader.ValueSpan, out TimeSpan span, out var consumed, 'c') && consumed == reader.ValueSpan.Length)
        {
            return span;
        }

        var text = reader.GetString()!;
        return IsConstantFormat(System.Text.Encoding.UTF8.GetBytes(text), timeOfDay) && TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out span)
            ? span
            : throw new JsonException($"'{text}' is not {(timeOfDay ? "a time" : "an offset")} in the constant format (byte {reader.TokenStartIndex}).");
    }

    /// <summary>
    /// What the generated reader takes as a time of day (<c>hh:mm:ss[.fffffff]</c>: a digit first, no day part) or as
    /// an offset (a digit or <c>-</c> first), and nothing around it: the constant-format parsers skip white space.
    /// </summary>
    private static bool IsConstantFormat(ReadOnlySpan<byte> text, bool timeOfDay)
    {
        if (text.IsEmpty || !(char.IsAsciiDigit((char)text[0]) || (!timeOfDay && text[0] == '-')))
        {
            return false;
        }

        foreach (var b in text)
        {
            if (!(char.IsAsciiDigit((char)b) || b is (byte)':' or (byte)'.' or (byte)'-'))
            {
                return false;
            }
        }

        // A day part ("d.hh:mm:ss") puts a point before the first colon.
        var point = text.IndexOf((byte)'.');
        return !timeOfDay || point < 0 || point > text.IndexOf((byte)':');
    }

    private static TEnum? ReadEnum<TEnum>(ref Utf8JsonReader reader)
        where TEnum : struct, Enum
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number:
                return reader.TryGetInt32(out var number)
                    ? (TEnum)Enum.ToObject(typeof(TEnum), number)
                    : throw new JsonException($"{reader.GetDouble()} is beyond the range of a {typeof(TEnum).Name} (byte {reader.TokenStartIndex}).");
            default:
                var text = reader.GetString()!;
                return Enum.TryParse<TEnum>(text, ignoreCase: true, out var value)
                    ? value
                    : throw new JsonException($"'{text}' is not a {typeof(TEnum).Name} (byte {reader.TokenStartIndex}).");
        }
    }

    private static T Required<T>(T? value, string property, string what)
        where T : class => value ?? throw Missing(property, what);

    private static T Required<T>(T? value, string property, string what)
        where T : struct => value ?? throw Missing(property, what);

    private static JsonException Missing(string property, string what) => new($"A shard's {what} lacks its required '{property}'.");
}
