using System.Globalization;
using ServerlessScreening.Facts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Ingestion;

/// <summary>
/// Identifies a lab test and brings its value to the test's canonical unit. A unit the catalogue does not list
/// for the test is never guessed: the result keeps its raw unit, is flagged, and no threshold is compared with it.
/// </summary>
public sealed class LabNormalizer(LabCatalog catalog, ValueReader values)
{
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

            var system = codeSystem is null ? string.Empty : Text.Keys.CachedName(codeSystem);
            if ((system.Length == 0 || system.Contains("loinc", StringComparison.Ordinal)) && catalog.FindByLoinc(code) is { } byLoinc)
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
    /// The normalised result, with placeholders for what the caller knows better (date, code, source).
    /// <paramref name="unitProblem"/> describes an unrecognised unit for the report's warnings, or is null.
    /// </summary>
    public LabResult Normalize(LabTestDefinition test, LabValue value, string rawValue, string? rawUnit, string? referenceRange, out string? unitProblem)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(value);
        unitProblem = null;
        var result = new LabResult
        {
            TestId = test.Id,
            CollectedAt = default,
            Value = value,
            Unit = test.CanonicalUnit.Length == 0 ? null : test.CanonicalUnit,
            Source = new SourceRef(string.Empty, 0),
        };

        if (value.Kind == LabValueKind.Qualitative)
        {
            return result with { Unit = rawUnit, RawValue = rawValue };
        }

        var resolution = catalog.ResolveUnit(test, rawUnit);
        var conversion = resolution.Conversion;
        if (conversion is null)
        {
            unitProblem = rawUnit is null
                ? $"{test.Id}: no unit given (expected {test.CanonicalUnit})"
                : $"{test.Id}: unit '{ValueReader.Clip(rawUnit)}' is not a known unit of this test (expected {test.CanonicalUnit})";
            return result with { Unit = rawUnit, UnitRecognized = false, RawValue = rawValue, RawUnit = rawUnit };
        }

        var reference = ParseRange(referenceRange, conversion);
        if (conversion.IsIdentity && resolution.SameSpelling)
        {
            return result with { ReferenceLow = reference.Low, ReferenceHigh = reference.High };
        }

        return result with
        {
            Value = value.Number is { } number ? value with { Number = Round(conversion.Apply(number)) } : value,
            RawValue = rawValue,
            RawUnit = rawUnit,
            Conversion = resolution.Description,
            ReferenceLow = reference.Low,
            ReferenceHigh = reference.High,
        };
    }

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

/// <summary>Resolves a medication row to an ingredient, honouring the site profile's local drug codes.</summary>
public static class MedicationResolver
{
    public static DrugMatch? Resolve(ReadContext context, string? code, string? codeSystem, string? name)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (code is not null && context.Settings.Profile.LocalDrugCodes.TryGetValue(code, out var mapped))
        {
            if (context.Drugs.FindIngredient(mapped) is { } ingredient)
            {
                return new DrugMatch(ingredient, context.Drugs.ClassesOf(ingredient), "site code " + code);
            }

            return context.Drugs.Resolve(mapped, null, name);
        }

        return context.Drugs.Resolve(code, codeSystem, name);
    }
}
