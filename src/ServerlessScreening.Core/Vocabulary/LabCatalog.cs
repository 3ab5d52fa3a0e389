using System.Collections.Frozen;
using Newtonsoft.Json;
using ServerlessScreening.Text;

namespace ServerlessScreening.Vocabulary;

/// <summary>A conversion from one spelling of a unit to a test's canonical unit: <c>canonical = value × Multiply ÷ Divide</c>.</summary>
public sealed record UnitConversion
{
    public required string Unit { get; init; }

    public IReadOnlyList<string> Aliases { get; init; } = [];

    public decimal Multiply { get; init; } = 1m;

    public decimal Divide { get; init; } = 1m;

    public string? Note { get; init; }

    public bool IsIdentity => Multiply == 1m && Divide == 1m;

    public decimal Apply(decimal value) => value * Multiply / Divide;

    public string Describe(string canonicalUnit)
    {
        var steps = (Multiply == 1m ? string.Empty : $" × {Multiply.ToString(System.Globalization.CultureInfo.InvariantCulture)}")
            + (Divide == 1m ? string.Empty : $" ÷ {Divide.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return $"{Unit}{steps} → {canonicalUnit}" + (Note is null ? string.Empty : $" ({Note})");
    }
}

/// <summary>How a numeric result of a test reads as positive or negative (e.g. hCG in mIU/mL), in the canonical unit.</summary>
public sealed record QualitativeInterpretation
{
    public decimal? PositiveAtOrAbove { get; init; }

    public decimal? NegativeBelow { get; init; }
}

public sealed record LoincCode(string Code, string? Display);

/// <summary>A raw unit of a test, resolved: see <see cref="LabCatalog.ResolveUnit"/>.</summary>
public sealed record UnitResolution(UnitConversion? Conversion, bool SameSpelling, string? Description);

public sealed record LabTestDefinition
{
    public required string Id { get; init; }

    public required string Display { get; init; }

    /// <summary>The name used in verdict reasons, e.g. <c>UPCR</c>.</summary>
    public required string Short { get; init; }

    public string CanonicalUnit { get; init; } = string.Empty;

    public IReadOnlyList<LoincCode> Loinc { get; init; } = [];

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Names { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public IReadOnlyList<UnitConversion> Units { get; init; } = [];

    public QualitativeInterpretation? Qualitative { get; init; }

    public IReadOnlyList<string> Sources { get; init; } = [];
}

/// <summary>
/// The lab tests the normaliser recognises, loaded from <c>lab-tests.json</c>. Lookups are by LOINC code,
/// by a site's local code (through the site profile, which maps it to a LOINC code or a test id), or by a known
/// English or Chinese name. Look-alike tests are separate entries, so one is never taken for another.
/// </summary>
public sealed class LabCatalog
{
    private readonly FrozenDictionary<string, LabTestDefinition> _byId;
    private readonly FrozenDictionary<string, LabTestDefinition> _byLoinc;
    private readonly FrozenDictionary<string, LabTestDefinition> _byName;
    private readonly FrozenDictionary<string, FrozenDictionary<string, UnitConversion>> _units;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Test, string Unit), UnitResolution> _resolutions = new();

    private LabCatalog(IReadOnlyList<LabTestDefinition> tests)
    {
        Tests = tests;
        _byId = tests.ToFrozenDictionary(t => t.Id, StringComparer.Ordinal);
        _byLoinc = tests
            .SelectMany(t => t.Loinc.Select(l => (l.Code, Test: t)))
            .ToFrozenDictionary(x => x.Code, x => x.Test, StringComparer.OrdinalIgnoreCase);
        _byName = tests
            .SelectMany(t => t.Names.Values.SelectMany(n => n).Append(t.Display).Append(t.Short).Append(t.Id).Select(n => (Key: Keys.Name(n), Test: t)))
            .DistinctBy(x => x.Key)
            .ToFrozenDictionary(x => x.Key, x => x.Test, StringComparer.Ordinal);
        _units = tests.ToFrozenDictionary(
            t => t.Id,
            t => t.Units
                .SelectMany(u => u.Aliases.Append(u.Unit).Select(spelling => (Key: Keys.Unit(spelling), Conversion: u)))
                .DistinctBy(x => x.Key)
                .ToFrozenDictionary(x => x.Key, x => x.Conversion, StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    public static LabCatalog Default { get; } = LoadEmbedded();

    public IReadOnlyList<LabTestDefinition> Tests { get; }

    public static LabCatalog Load(TextReader json)
    {
        var file = JsonSerializer.Create().Deserialize<LabTestsFile>(new JsonTextReader(json))
            ?? throw new InvalidDataException("The lab test catalogue is empty.");
        return new LabCatalog(file.Tests);
    }

    public LabTestDefinition? FindById(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The short name of a test for reasons, or its id when the catalogue does not know it.</summary>
    public string ShortName(string id) => _byId.TryGetValue(id, out var test) ? test.Short : id;

    public LabTestDefinition? FindByLoinc(string code) => _byLoinc.GetValueOrDefault(code.Trim());

    public LabTestDefinition? FindByName(string name) => _byName.GetValueOrDefault(Keys.CachedName(name));

    /// <summary>
    /// How a raw unit of a test converts: the conversion (null when the unit is not one the test is reported in),
    /// whether it is spelt as the canonical unit, and the conversion's description. Exports repeat a handful of unit
    /// spellings millions of times, so resolutions are cached (bounded).
    /// </summary>
    public UnitResolution ResolveUnit(LabTestDefinition test, string? rawUnit)
    {
        ArgumentNullException.ThrowIfNull(test);
        var key = (test.Id, rawUnit ?? string.Empty);
        if (_resolutions.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var conversion = FindUnit(test, rawUnit);
        var sameSpelling = string.Equals(Keys.Unit(rawUnit ?? string.Empty), Keys.Unit(test.CanonicalUnit), StringComparison.Ordinal);
        var resolution = new UnitResolution(conversion, sameSpelling, conversion?.Describe(test.CanonicalUnit));
        if (_resolutions.Count < 10_000)
        {
            _resolutions.TryAdd(key, resolution);
        }

        return resolution;
    }

    /// <summary>The conversion for a raw unit of a test, or null when the unit is not one this test is known to be reported in.</summary>
    public UnitConversion? FindUnit(LabTestDefinition test, string? rawUnit)
    {
        ArgumentNullException.ThrowIfNull(test);
        var units = _units[test.Id];
        var key = Keys.Unit(rawUnit ?? string.Empty);
        if (units.TryGetValue(key, out var conversion))
        {
            return conversion;
        }

        // A test with no canonical unit (qualitative, ratios without dimension) accepts an empty unit as itself.
        return key.Length == 0 && test.CanonicalUnit.Length == 0
            ? new UnitConversion { Unit = string.Empty }
            : null;
    }

    private static LabCatalog LoadEmbedded()
    {
        using var stream = typeof(LabCatalog).Assembly.GetManifestResourceStream("ServerlessScreening.Vocabulary.lab-tests.json")
            ?? throw new InvalidOperationException("lab-tests.json is not embedded in the core assembly.");
        using var reader = new StreamReader(stream);
        return Load(reader);
    }

    private sealed record LabTestsFile(List<LabTestDefinition> Tests);
}
