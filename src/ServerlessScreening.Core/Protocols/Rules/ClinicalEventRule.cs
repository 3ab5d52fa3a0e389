using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>Codes of one code system: exact codes and code prefixes (e.g. ICD-10 <c>C</c> for malignant neoplasms).</summary>
public sealed record CodeSet
{
    public required string System { get; init; }

    public IReadOnlyList<string> Codes { get; init; } = [];

    public IReadOnlyList<string> Prefixes { get; init; } = [];

    public bool Matches(string? system, string? code)
    {
        if (code is null || !string.Equals(CodeSystems.Key(system), CodeSystems.Key(System), StringComparison.Ordinal))
        {
            return false;
        }

        var trimmed = code.Trim();
        return Codes.Contains(trimmed, StringComparer.OrdinalIgnoreCase)
            || Prefixes.Any(p => trimmed.StartsWith(p, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>Canonical keys for the code systems sites name in many ways (<c>SNOMED-CT</c>, <c>http://snomed.info/sct</c>…).</summary>
public static class CodeSystems
{
    public static string Key(string? system)
    {
        var key = Text.Keys.CachedName(system ?? string.Empty);
        return key switch
        {
            _ when key.Contains("snomed", StringComparison.Ordinal) || key.EndsWith("/sct", StringComparison.Ordinal) => "snomed",
            _ when key.Contains("icd10", StringComparison.Ordinal) => "icd10",
            _ when key.Contains("cvx", StringComparison.Ordinal) => "cvx",
            _ when key.Contains("loinc", StringComparison.Ordinal) => "loinc",
            _ when key.Contains("rxnorm", StringComparison.Ordinal) => "rxnorm",
            _ when key.Contains("atc", StringComparison.Ordinal) => "atc",
            _ => key,
        };
    }
}

/// <summary>
/// A diagnosis, procedure or immunization in a window, found by code set or by name keyword (English or Chinese),
/// with exclusions. Absence decides only under declared coverage of the matching categories when
/// <see cref="WhenUncovered"/> is set.
/// </summary>
public sealed record ClinicalEventRule : Rule
{
    public required string Label { get; init; }

    public required IReadOnlyList<string> Types { get; init; }

    public IReadOnlyList<CodeSet> Codes { get; init; } = [];

    /// <summary>Case-insensitive keywords matched inside the fact's name.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    public IReadOnlyList<CodeSet> ExcludeCodes { get; init; } = [];

    public IReadOnlyList<string> ExcludeNames { get; init; } = [];

    public required WindowSpec Window { get; init; }

    /// <summary>Only conditions still active at the window's anchor date count: ongoing, or ended on or after it.</summary>
    public bool ActiveAtAnchor { get; init; }

    public CriterionStatus WhenPresent { get; init; } = CriterionStatus.Fail;

    public CriterionStatus WhenAbsent { get; init; } = CriterionStatus.Confirm;

    public CriterionStatus? WhenUncovered { get; init; }

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var window = Window.Resolve(context);
        var found = context.Patient.Clinical
            .Where(c => Types.Contains(c.Type, StringComparer.Ordinal) && window.Contains(c.Date) && IsActive(c, window.To) && IsMatch(c))
            .ToList();
        if (found.Count > 0)
        {
            return new RuleResult(
                WhenPresent,
                $"{Label}: {string.Join("; ", found.Take(5).Select(f => $"{f.Name ?? f.Code} on {f.Date:yyyy-MM-dd}"))} {Window.Describe(context)}",
                found.Select(f => EvidenceOf.Clinical(f)).ToList());
        }

        var categories = Types.Select(RecordCategories.ForClinicalType).Distinct(StringComparer.Ordinal).ToList();
        if (WhenUncovered is { } uncovered && !categories.All(c => context.Patient.IsCovered(c, window)))
        {
            return new RuleResult(uncovered, $"no {Label} found; no upload declares {string.Join(" and ", categories)} coverage spanning {Window.Describe(context)}", [], $"{string.Join(" and ", categories)} data with declared coverage spanning {window}, or a site attestation");
        }

        return new RuleResult(WhenAbsent, $"no {Label} in the uploaded data {Window.Describe(context)}", [], WhenAbsent == CriterionStatus.Confirm ? $"site confirmation that there is no {Label}" : null);
    }

    public override IEnumerable<string> CoverageCategories() =>
        WhenUncovered is null ? [] : Types.Select(RecordCategories.ForClinicalType).Distinct(StringComparer.Ordinal);

    private bool IsActive(ClinicalFact fact, DateOnly anchor) =>
        !ActiveAtAnchor || fact.Ongoing || (fact.End is { } end && end >= anchor);

    private bool IsMatch(ClinicalFact fact)
    {
        var name = Text.Keys.CachedName(fact.Name ?? string.Empty);
        var byCode = Codes.Any(c => c.Matches(fact.CodeSystem, fact.Code));
        var byName = name.Length > 0 && Names.Any(n => name.Contains(Text.Keys.CachedName(n), StringComparison.Ordinal));
        if (!byCode && !byName)
        {
            return false;
        }

        var excluded = ExcludeCodes.Any(c => c.Matches(fact.CodeSystem, fact.Code))
            || (name.Length > 0 && ExcludeNames.Any(n => name.Contains(Text.Keys.CachedName(n), StringComparison.Ordinal)));
        return !excluded;
    }

    public override IEnumerable<string> Lint(LintContext context)
    {
        var where = $"clinicalEvent '{Label}'";
        if (Types.Count == 0 || Types.Any(t => !ClinicalFactTypes.All.Contains(t)))
        {
            yield return $"{where}: types must be among {string.Join(", ", ClinicalFactTypes.All)}";
        }

        if (Codes.Count == 0 && Names.Count == 0)
        {
            yield return $"{where}: no codes and no names: the rule could never match";
        }

        foreach (var set in Codes.Concat(ExcludeCodes))
        {
            if (set.Codes.Count == 0 && set.Prefixes.Count == 0)
            {
                yield return $"{where}: the {set.System} code set is empty";
            }
        }

        foreach (var problem in LintWindow(Window, where))
        {
            yield return problem;
        }
    }
}
