using System.Security.Cryptography;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Newtonsoft.Json.Serialization;
using ServerlessScreening.Protocols.Rules;

namespace ServerlessScreening.Protocols;

public static class CriterionKinds
{
    public const string Inclusion = "inclusion";
    public const string Exclusion = "exclusion";
}

/// <summary>One criterion: its contract id, the protocol's words, the computable reading a reviewer checks, and the rule that implements the reading.</summary>
public sealed record CriterionDefinition
{
    public required string Id { get; init; }

    public required string Kind { get; init; }

    public required string Text { get; init; }

    /// <summary>How the engine reads the criterion, in plain words; shown to reviewers, never interpreted by code.</summary>
    public required string Reading { get; init; }

    public required Rule Rule { get; init; }
}

/// <summary>
/// A trial protocol as data: its identity and its criteria with their rules. Loading validates the structure; the
/// protocol linter checks the content against the vocabularies.
/// </summary>
public sealed record ProtocolDefinition
{
    public required string Id { get; init; }

    public required string Version { get; init; }

    public required string Title { get; init; }

    public string? Source { get; init; }

    public required IReadOnlyList<CriterionDefinition> Criteria { get; init; }

    /// <summary>SHA-256 of the protocol file's bytes, recorded in every verdict.</summary>
    [JsonIgnore]
    public string Sha256 { get; init; } = string.Empty;

    private static readonly JsonSerializerSettings LoadSettings = new()
    {
        MissingMemberHandling = MissingMemberHandling.Error,
        ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy() },
        DateParseHandling = DateParseHandling.None,
        FloatParseHandling = FloatParseHandling.Decimal,
        Converters = { new RuleConverter() },
    };

    public static ProtocolDefinition Load(byte[] utf8)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        var text = new System.Text.UTF8Encoding(false, true).GetString(utf8).TrimStart('\uFEFF');
        // Decimals keep their written scale (1.0 stays 1.0), so thresholds read in reasons exactly as the protocol states them.
        using var reader = new JsonTextReader(new StringReader(text)) { FloatParseHandling = FloatParseHandling.Decimal, DateParseHandling = DateParseHandling.None };
        var json = JObject.Load(reader);
        json.Remove("$schema");
        var protocol = json.ToObject<ProtocolDefinition>(JsonSerializer.Create(LoadSettings))
            ?? throw new InvalidDataException("The protocol file is empty.");
        var duplicate = protocol.Criteria.GroupBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"Criterion {duplicate.Key} is defined more than once.");
        }

        return protocol with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(utf8)) };
    }

    public static ProtocolDefinition LoadFile(string path) => Load(File.ReadAllBytes(path));
}

/// <summary>Reads a rule by its <c>type</c> member; unknown types and unknown members are load errors.</summary>
internal sealed class RuleConverter : JsonConverter
{
    private static readonly Dictionary<string, Type> Types = new(StringComparer.Ordinal)
    {
        ["age"] = typeof(AgeRule),
        ["lab"] = typeof(LabRule),
        ["allNegative"] = typeof(AllNegativeRule),
        ["score"] = typeof(ScoreRule),
        ["medication"] = typeof(MedicationRule),
        ["doseStability"] = typeof(DoseStabilityRule),
        ["clinicalEvent"] = typeof(ClinicalEventRule),
        ["attestation"] = typeof(AttestationRule),
        ["confirm"] = typeof(ConfirmRule),
        ["allOf"] = typeof(AllOfRule),
    };

    public static IReadOnlyCollection<string> TypeNames => Types.Keys;

    public override bool CanWrite => false;

    // Only the abstract type: concrete rules are read by the serializer itself once the type is known.
    public override bool CanConvert(Type objectType) => objectType == typeof(Rule);

    public override object? ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer)
    {
        var json = JObject.Load(reader);
        var type = json.Value<string>("type") ?? throw new JsonSerializationException($"A rule at {json.Path} has no 'type'.");
        if (!Types.TryGetValue(type, out var ruleType))
        {
            throw new JsonSerializationException($"Rule type '{type}' at {json.Path} is not one of: {string.Join(", ", Types.Keys)}.");
        }

        json.Remove("type");
        return (Rule)(json.ToObject(ruleType, serializer) ?? throw new JsonSerializationException($"Rule at {json.Path} is empty."));
    }

    public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer) => throw new NotSupportedException();
}
