using System.Globalization;
using ServerlessScreening.Facts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Ingestion;

/// <summary>
/// Identifies a lab test and brings its value to the test's canonical unit. A unit the catalogue does not list
/// for the test is never guessed: the result keeps its raw unit, is flagged, and no threshold is compared with it.
/// </summary>
/// <summary>What identifies a lab result apart from its value: when, which code, and the row it came from.</summary>
public readonly record struct LabIdentity(Timestamp CollectedAt, string? Code, string? CodeSystem, string? Name, SourceRef Source, string? Flag = null, string? Specimen = null);

public sealed class LabNormalizer(LabCatalog catalog, ValueReader values)
{
    private const int MaxRememberedUnits = 4096;

    private readonly Dictionary<(string TestId, string? Unit, string? Range), NormalizedUnits> _units = [];

    /// <summary>Code before name: a site's local code (through its profile), then LOINC, then a known English or Chinese name.</summary>
    public LabTestDefinition? ResolveTest(string? code, string? codeSystem, string? name, SiteProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (code is not null)
        {
            if (profile.LocalTestCodes.TryGetValue(code, out var mapped))
            {
                return catalog.FindByLoinc(mapped) ?? catalog.FindById(mapped);
            }

            // "LN" is LOINC's code in HL7 v2 (table 0396), as v2-derived exports name it.
            var system = codeSystem is null ? string.Empty : Text.Keys.CachedName(codeSystem);
            if ((system.Length == 0 || system == "ln" || system.Contains("loinc", StringComparison.Ordinal)) && catalog.FindByLoinc(code) is { } byLoinc)
            {
                return byLoinc;
            }
        }

        return name is null ? null : catalog.FindByName(name);
    }

    public static string DescribeUnrecognised(string? code, string? name) =>
        (code, name) switch
        {
            ({ } c, { } n) => $"{ValueReader.Clip(c)} {ValueReader.Clip(n)}",
            ({ } c, null) => ValueReader.Clip(c),
            (null, { } n) => ValueReader.Clip(n),
            _ => string.Empty,
        };

    /// <summary>
    /// The normalised result: <paramref name="identity"/> (when, which code, where from) with the value, unit and
    /// reference range brought to the test's canonical unit. This runs once per lab row: what depends only on the test,
    /// unit and range is remembered (<see cref="UnitsOf"/>), and the raw value becomes a string only when the result keeps it.
    /// <paramref name="unitProblem"/> describes an unrecognised unit for the report's warnings, or is null.
    /// </summary>
    public LabResult Normalize(LabTestDefinition test, LabValue value, string rawValue, string? rawUnit, string? referenceRange, in LabIdentity identity, out string? unitProblem) =>
        Normalize(test, value, rawValue.AsSpan(), rawUnit, referenceRange, identity, out unitProblem);

    /// <summary>
    /// <see cref="Normalize(LabTestDefinition, LabValue, string, string?, string?, in LabIdentity, out string?)"/> with the
    /// raw value as a span, read in place from the row.
    /// </summary>
    public LabResult Normalize(LabTestDefinition test, LabValue value, ReadOnlySpan<char> rawValue, string? rawUnit, string? referenceRange, in LabIdentity identity, out string? unitProblem)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(value);
        unitProblem = null;
        if (value.Kind == LabValueKind.Qualitative)
        {
            return Build(test, identity, value, rawUnit, unitRecognized: true, rawValue.ToString(), rawUnit: null, conversion: null, low: null, high: null);
        }

        return NormalizeNumber(test, value, default, rawValue, rawUnit, referenceRange, identity, out unitProblem);
    }

    /// <summary>
    /// <see cref="Normalize(LabTestDefinition, LabValue, ReadOnlySpan{char}, string?, string?, in LabIdentity, out string?)"/>
    /// for a number or censored number as read: its <see cref="LabValue"/> is made once, in the unit the result keeps.
    /// </summary>
    public LabResult Normalize(LabTestDefinition test, NumericResult value, ReadOnlySpan<char> rawValue, string? rawUnit, string? referenceRange, in LabIdentity identity, out string? unitProblem)
    {
        ArgumentNullException.ThrowIfNull(test);
        return NormalizeNumber(test, null, value, rawValue, rawUnit, referenceRange, identity, out unitProblem);
    }

    /// <summary>A numeric result: <paramref name="parsed"/> when the caller has it as a lab value, otherwise <paramref name="numeric"/>.</summary>
    private LabResult NormalizeNumber(LabTestDefinition test, LabValue? parsed, NumericResult numeric, ReadOnlySpan<char> rawValue, string? rawUnit, string? referenceRange, in LabIdentity identity, out string? unitProblem)
    {
        unitProblem = null;
        var units = UnitsOf(test, rawUnit, referenceRange);
        if (units.Conversion is not { } conversion)
        {
            unitProblem = units.Problem;
            return Build(test, identity, parsed ?? numeric.ToLabValue(), rawUnit, unitRecognized: false, rawValue.ToString(), rawUnit, conversion: null, low: null, high: null);
        }

        if (conversion.IsIdentity && units.SameSpelling)
        {
            return Build(test, identity, parsed ?? numeric.ToLabValue(), units.CanonicalUnit, unitRecognized: true, rawValue: null, rawUnit: null, conversion: null, units.Low, units.High);
        }

        var converted = parsed switch
        {
            null => numeric.ToLabValue(Round(conversion.Apply(numeric.Number))),
            { Number: { } number } => parsed with { Number = Round(conversion.Apply(number)) },
            _ => parsed,
        };
        return Build(test, identity, converted, units.CanonicalUnit, unitRecognized: true, rawValue.ToString(), rawUnit, units.Description, units.Low, units.High);
    }

    /// <summary>
    /// What a (test, raw unit, reference range) triple normalises to. Exports repeat a handful of these millions of
    /// times, so each is worked out once per normaliser (one upload) and remembered, up to <see cref="MaxRememberedUnits"/>
    /// at a time; the answer depends only on the triple, the catalogue and the decimal separator, never on the row.
    /// </summary>
    private NormalizedUnits UnitsOf(LabTestDefinition test, string? rawUnit, string? referenceRange)
    {
        var key = (test.Id, rawUnit, referenceRange);
        if (_units.TryGetValue(key, out var known) && ReferenceEquals(known.Test, test))
        {
            return known;
        }

        var resolution = catalog.ResolveUnit(test, rawUnit);
        NormalizedUnits units;
        if (resolution.Conversion is not { } conversion)
        {
            var problem = rawUnit is null
                ? $"{test.Id}: no unit given (expected {test.CanonicalUnit})"
                : $"{test.Id}: unit '{ValueReader.Clip(rawUnit)}' is not a known unit of this test (expected {test.CanonicalUnit})";
            units = new NormalizedUnits(test, null, false, null, null, null, null, problem);
        }
        else
        {
            var (low, high) = ParseRange(referenceRange, conversion);
            var canonicalUnit = test.CanonicalUnit.Length == 0 ? null : test.CanonicalUnit;
            units = new NormalizedUnits(test, conversion, resolution.SameSpelling, resolution.Description, canonicalUnit, low, high, null);
        }

        if (_units.Count >= MaxRememberedUnits)
        {
            _units.Clear();
        }

        _units[key] = units;
        return units;
    }

    /// <summary>A raw unit and reference range of a test, resolved: the conversion (null when the unit is not one of the test's), the converted range, or the warning.</summary>
    private sealed record NormalizedUnits(LabTestDefinition Test, UnitConversion? Conversion, bool SameSpelling, string? Description, string? CanonicalUnit, decimal? Low, decimal? High, string? Problem);

    private static LabResult Build(LabTestDefinition test, in LabIdentity identity, LabValue value, string? unit, bool unitRecognized, string? rawValue, string? rawUnit, string? conversion, decimal? low, decimal? high) => new()
    {
        TestId = test.Id,
        CollectedAt = identity.CollectedAt,
        Code = identity.Code,
        CodeSystem = identity.CodeSystem,
        Name = identity.Name,
        Flag = identity.Flag,
        Specimen = identity.Specimen,
        Source = identity.Source,
        Value = value,
        Unit = unit,
        UnitRecognized = unitRecognized,
        RawValue = rawValue,
        RawUnit = rawUnit,
        Conversion = conversion,
        ReferenceLow = low,
        ReferenceHigh = high,
    };

    // Division results are rounded to 6 significant decimals so that a converted value prints and compares the same everywhere.
    private static decimal Round(decimal value) => Math.Round(value, 6, MidpointRounding.ToEven);

    /// <summary>Reference ranges as sites write them: <c>low-high</c>, <c>low~high</c>, <c>&lt;x</c>, <c>&gt;x</c>, converted like the value.</summary>
    private (decimal? Low, decimal? High) ParseRange(string? text, UnitConversion conversion)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }

        var span = text.AsSpan().Trim();
        if (span.Length > 1 && span[0] is '<' or '≤' or '＜')
        {
            return values.TryNumber(span[1..].TrimStart('='), out var high) ? (null, Round(conversion.Apply(high))) : (null, null);
        }

        if (span.Length > 1 && span[0] is '>' or '≥' or '＞')
        {
            return values.TryNumber(span[1..].TrimStart('='), out var low) ? (Round(conversion.Apply(low)), null) : (null, null);
        }

        // The separator is the first '-', '~' or '–' after the first character, so a negative low bound still parses.
        for (var i = 1; i < span.Length; i++)
        {
            if (span[i] is '-' or '~' or '–' or '—' or '～')
            {
                if (values.TryNumber(span[..i], out var low) && values.TryNumber(span[(i + 1)..], out var high))
                {
                    return (Round(conversion.Apply(low)), Round(conversion.Apply(high)));
                }

                break;
            }
        }

        return (null, null);
    }

    internal static string Format(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>Resolves a medication row to an ingredient and its classes, honouring the site profile's local drug codes.</summary>
public static class MedicationResolver
{
    /// <summary>
    /// The ingredient and classes of a medication (<see cref="DrugCatalog.Classify"/>): an ATC code that no ingredient
    /// lists is still classified by the catalogue's ATC class rules, and the record then has classes and no ingredient.
    /// </summary>
    public static DrugClassification? Classify(ReadContext context, string? code, string? codeSystem, string? name)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (code is not null && context.Settings.Profile.LocalDrugCodes.TryGetValue(code, out var mapped))
        {
            if (context.Drugs.FindIngredient(mapped) is { } ingredient)
            {
                return new DrugClassification(ingredient, context.Drugs.ClassesOf(ingredient), "site code " + code);
            }

            return context.Drugs.Classify(mapped, null, name);
        }

        return context.Drugs.Classify(code, codeSystem, name);
    }
}
