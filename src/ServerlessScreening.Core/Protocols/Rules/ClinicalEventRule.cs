using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>Codes of one code system: exact codes and code prefixes (e.g. ICD-10 <c>C</c> for malignant neoplasms).</summary>
public sealed record CodeSet
{
    public required string System
    {
        get;
        init
        {
            field = value;
            _systemKey = CodeSystems.Key(value);
        }
    }

    public IReadOnlyList<string> Codes { get; init; } = [];

    public IReadOnlyList<string> Prefixes { get; init; } = [];

    // Derived from System when it is set.
    private readonly string _systemKey = string.Empty;

    public bool Matches(string? system, string? code)
    {
        if (code is null || !string.Equals(CodeSystems.Key(system), _systemKey, StringComparison.Ordinal))
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

    public required IReadOnlyList<string> Types
    {
        get;
        init
        {
            field = value;
            _categories = value?.Select(RecordCategories.ForClinicalType).Distinct(StringComparer.Ordinal).ToList() ?? [];
        }
    }

    public IReadOnlyList<CodeSet> Codes { get; init; } = [];

    /// <summary>Case-insensitive keywords matched inside the fact's name.</summary>
    public IReadOnlyList<string> Names
    {
        get;
        init
        {
            field = value;
            _nameKeys = NameKeys(value);
        }
    } = [];

    public IReadOnlyList<CodeSet> ExcludeCodes { get; init; } = [];

    public IReadOnlyList<string> ExcludeNames
    {
        get;
        init
        {
            field = value;
            _excludeNameKeys = NameKeys(value);
        }
    } = [];

    public required WindowSpec Window { get; init; }

    /// <summary>
    /// Only conditions still active at the window's anchor date count: ongoing, or ended on or after it. One whose
    /// source gives neither an end nor an ongoing status, and no active one, makes the outcome unknown.
    /// </summary>
    public bool ActiveAtAnchor { get; init; }

    public CriterionStatus WhenPresent { get; init; } = CriterionStatus.Fail;

    public CriterionStatus WhenAbsent { get; init; } = CriterionStatus.Confirm;

    public CriterionStatus? WhenUncovered { get; init; }

    // Derived from Types, Names and ExcludeNames when they are set: the record categories of the types (for coverage)
    // and the keywords in the name-key form facts' names are compared in.
    private readonly List<string> _categories = [];
    private readonly string[] _nameKeys = [];
    private readonly string[] _excludeNameKeys = [];

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var window = Window.Resolve(context);
        List<ClinicalFact>? found = null;
        List<ClinicalFact>? undetermined = null;
        foreach (var fact in context.Patient.Clinical)
        {
            if (!Types.Contains(fact.Type, StringComparer.Ordinal) || !window.Overlaps(fact.Date, PeriodEnd(fact)) || !IsMatch(fact))
            {
                continue;
            }

            switch (ActivityAt(fact, window.To))
            {
                case Activity.Active:
                    (found ??= []).Add(fact);
                    break;
                case Activity.NotStated:
                    (undetermined ??= []).Add(fact);
                    break;
            }
        }

        if (found is not null)
        {
            var named = found.Count > 5 ? found.GetRange(0, 5) : found;
            return new RuleResult(
                WhenPresent,
                $"{Label}: {string.Join("; ", named.ConvertAll(f => $"{f.Name ?? f.Code} on {f.Date:yyyy-MM-dd}"))} {Window.Text(context)}",
                found.ConvertAll(f => EvidenceOf.Clinical(f, f.Date < window.From ? "began before the window, still active in it" : null)));
        }

        if (undetermined is not null)
        {
            var named = undetermined.Count > 5 ? undetermined.GetRange(0, 5) : undetermined;
            return new RuleResult(
                CriterionStatus.Unknown,
                $"{Label}: {string.Join("; ", named.ConvertAll(f => $"{f.Name ?? f.Code} on {f.Date:yyyy-MM-dd}"))} {Window.Text(context)}, but the upload does not say whether it was still active on {window.To:yyyy-MM-dd}",
                undetermined.ConvertAll(f => EvidenceOf.Clinical(f, "no end date or status in the upload")),
                $"whether the {Label} was still active on {window.To:yyyy-MM-dd} (an end date or status on the diagnosis row, or a site confirmation)");
        }

        if (WhenUncovered is { } uncovered && !_categories.TrueForAll(c => context.IsCovered(c, window)))
        {
            var categories = string.Join(" and ", _categories);
            return new RuleResult(uncovered, $"no {Label} found; no upload declares {categories} coverage spanning {Window.Text(context)}", [], $"{categories} data with declared coverage spanning {window}, or a site attestation");
        }

        return new RuleResult(
            WhenAbsent,
            $"no {Label} in the uploaded data {Window.Text(context)}",
            WhenUncovered is null ? [] : context.CoverageEvidence(_categories, window),
            WhenAbsent is CriterionStatus.Confirm or CriterionStatus.Unknown ? $"site confirmation that there is no {Label}" : null);
    }

    public override IEnumerable<string> CoverageCategories() => WhenUncovered is null ? [] : _categories;

    /// <summary>
    /// The last day a fact covers: open for a condition the source says is ongoing, its end when it has one, else its
    /// date (a dated event). A condition that began before a window and was still active in it counts as in it.
    /// </summary>
    private static DateOnly? PeriodEnd(ClinicalFact fact) => fact.Ongoing ? null : fact.End ?? fact.Date;

    private enum Activity
    {
        Active,
        Ended,

        /// <summary>The source gives neither an end nor an ongoing status, so whether it lasted to the anchor is not known.</summary>
        NotStated,
    }

    /// <summary>Every fact counts when <see cref="ActiveAtAnchor"/> is off; otherwise only a condition ongoing, or ended on or after the anchor.</summary>
    private Activity ActivityAt(ClinicalFact fact, DateOnly anchor) =>
        !ActiveAtAnchor || fact.Ongoing || fact.End >= anchor ? Activity.Active
        : fact.End is null ? Activity.NotStated
        : Activity.Ended;

    private bool IsMatch(ClinicalFact fact)
    {
        var name = Text.Keys.CachedName(fact.Name ?? string.Empty);
        var byCode = MatchesAny(Codes, fact);
        var byName = name.Length > 0 && ContainsAny(name, _nameKeys);
        if (!byCode && !byName)
        {
            return false;
        }

        var excluded = MatchesAny(ExcludeCodes, fact) || (name.Length > 0 && ContainsAny(name, _excludeNameKeys));
        return !excluded;
    }

    private static bool MatchesAny(IReadOnlyList<CodeSet> sets, ClinicalFact fact)
    {
        foreach (var set in sets)
        {
            if (set.Matches(fact.CodeSystem, fact.Code))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsAny(string name, string[] keywords)
    {
        foreach (var keyword in keywords)
        {
            if (name.Contains(keyword, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string[] NameKeys(IReadOnlyList<string>? names) => names?.Select(Text.Keys.Name).ToArray() ?? [];

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
