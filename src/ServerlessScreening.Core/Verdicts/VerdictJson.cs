using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace ServerlessScreening.Verdicts;

/// <summary>
/// The one serializer for verdicts, shards and reports: camelCase, members in declaration order, nulls omitted,
/// ISO 8601 dates, invariant numbers, LF line ends. The same object always yields the same bytes, which is what makes
/// "the same inputs give the same verdict, byte for byte apart from evaluatedAt" checkable.
/// </summary>
public static class ContractJson
{
    public static readonly JsonSerializerSettings Settings = new()
    {
        ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy { ProcessDictionaryKeys = false } },
        NullValueHandling = NullValueHandling.Ignore,
        DateParseHandling = DateParseHandling.None,
        DateFormatString = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        Culture = CultureInfo.InvariantCulture,
        FloatParseHandling = FloatParseHandling.Decimal,
        Formatting = Formatting.Indented,
        Converters = { new Newtonsoft.Json.Converters.StringEnumConverter(new CamelCaseNamingStrategy()) },
    };

    private static readonly JsonSerializer Serializer = JsonSerializer.Create(Settings);

    public static string Serialize(object value)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Serializer.Serialize(writer, value);
        return writer.ToString();
    }

    public static byte[] SerializeToUtf8(object value) => new UTF8Encoding(false).GetBytes(Serialize(value));

    public static T Deserialize<T>(string json) =>
        JsonConvert.DeserializeObject<T>(json, Settings) ?? throw new JsonSerializationException($"Expected a {typeof(T).Name}, found null.");

    public static T Deserialize<T>(Stream utf8)
    {
        using var reader = new JsonTextReader(new StreamReader(utf8, Encoding.UTF8, leaveOpen: true));
        return Serializer.Deserialize<T>(reader) ?? throw new JsonSerializationException($"Expected a {typeof(T).Name}, found null.");
    }

    /// <summary>A verdict's identity: SHA-256 of its bytes with <c>evaluatedAt</c> removed. Equal digests mean the same decision and evidence.</summary>
    public static string ContentDigest(Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var stable = Serialize(verdict with { EvaluatedAt = DateTimeOffset.UnixEpoch });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stable)));
    }

    /// <summary>
    /// A verdict's bytes (as <see cref="SerializeToUtf8"/>) and its <see cref="ContentDigest"/>, from one
    /// serialization: the digest hashes those bytes with the <c>evaluatedAt</c> value read as the epoch's, which is
    /// exactly what <see cref="ContentDigest"/> serializes. An evaluation writes the verdict, its history entry and the
    /// digest from this one result instead of serializing the verdict three times.
    /// </summary>
    public static (byte[] Utf8, string Digest) SerializeWithDigest(Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var utf8 = SerializeToUtf8(verdict);

        // A top-level property starts a line indented once; nested ones are indented more, and inside a string value
        // a quote or line break is escaped, so this text occurs once, wherever the property is declared.
        var value = utf8.AsSpan().IndexOf(EvaluatedAtProperty) + EvaluatedAtProperty.Length;
        var end = value + utf8.AsSpan(value).IndexOf((byte)'"');
        if (value < EvaluatedAtProperty.Length || end < value)
        {
            throw new InvalidOperationException("A serialized verdict has no evaluatedAt value.");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(utf8, 0, value);
        hash.AppendData(EpochValue);
        hash.AppendData(utf8, end, utf8.Length - end);
        return (utf8, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static readonly byte[] EvaluatedAtProperty = Encoding.UTF8.GetBytes("\n  \"evaluatedAt\": \"");

    /// <summary>The epoch as the serializer writes a date-time offset, without its quotes.</summary>
    private static readonly byte[] EpochValue = Encoding.UTF8.GetBytes(Serialize(DateTimeOffset.UnixEpoch).Trim('"'));
}
