using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>Which medication records (and, optionally, immunizations) a rule is about.</summary>
public sealed record DrugSelector
{
    public IReadOnlyList<string> Classes { get; init; } = [];

    public IReadOnlyList<string> Ingredients { get; init; } = [];

    public IReadOnlyList<string> ExcludeClasses { get; init; } = [];

    /// <summary>Route keywords a record must match (e.g. intravenous); empty means any route.</summary>
    public IReadOnlyList<string> Routes { get; init; } = [];

    /// <summary>Route keywords that exclude a record (e.g. topical, for "systemic").</summary>
    public IReadOnlyList<string> ExcludeRoutes { get; init; } = [];

    public bool Matches(IReadOnlyList<string> classes, string? ingredient, string? route)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var wanted = ingredient is not null && Contains(Ingredients, ingredient);
        for (var i = 0; i < classes.Count && !wanted; i++)
        {
            wanted = Contains(Classes, classes[i]);
        }

        if (!wanted)
        {
            return false;
        }

        for (var i = 0; i < classes.Count; i++)
        {
            if (Contains(ExcludeClasses, classes[i]))
            {
                return false;
            }
        }

        if (Routes.Count == 0 && ExcludeRoutes.Count == 0)
        {
            return true;
        }

        var routeKey = Text.Keys.CachedName(route ?? string.Empty);
        if (Routes.Count > 0 && !Routes.Any(r => RouteMatches(routeKey, r)))
        {
            return false;
        }

        return !ExcludeRoutes.Any(r => RouteMatches(routeKey, r));
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool RouteMatches(string routeKey, string keyword)
    {
        var key = Text.Keys.CachedName(keyword);
        return routeKey.Length > 0 && (routeKey == key || routeKey.StartsWith(key, StringComparison.Ordinal) || (key.Any(c => c >= '\u3400') && routeKey.Contains(key, StringComparison.Ordinal)));
    }
}

/// <summary>
/// Exposure to a class of drugs in a window; an exposure that started before the window and was still ongoing in it
/// counts. Absence decides only under declared medication coverage when <see cref="WhenUncovered"/> is set.
/// </summary>
public sealed record MedicationRule : Rule
{
    public required string Label { get; init; }

    public required DrugSelector Drugs { get; init; }

    public required WindowSpec Window { get; init; }

    /// <summary>Also count immunizations (clinical kind) resolved to these classes through the drug catalogue (CVX codes).</summary>
    public bool IncludeImmunizations { get; init; }

    public CriterionStatus WhenPresent { get; init; } = CriterionStatus.Fail;

    public CriterionStatus WhenAbsent { get; init; } = CriterionStatus.Pass;

    /// <summary>Status when nothing was found and the medication coverage does not span the window; null: coverage not required.</summary>
    public CriterionStatus? WhenUncovered { get; init; } = CriterionStatus.Unknown;

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var window = Window.Resolve(context);
        var medications = context.Patient.Medications
            .Where(m => window.Overlaps(m.Start, m.End) && Drugs.Matches(m.Classes, m.Ingredient, m.Route))
            .OrderByDescending(m => m.Start)
            .ToList();
        var immunizations = !IncludeImmunizations
            ? []
            : context.Patient.Clinical
                .Where(c => c.Type == ClinicalFactTypes.Immunization && window.Contains(c.Date))
                .Select(c => (Fact: c, Match: context.Drugs.Resolve(c.Code, c.CodeSystem ?? "CVX", c.Name)))
                .Where(x => x.Match is not null && Drugs.Matches(x.Match.Classes, x.Match.Ingredient.Id, null))
                .OrderByDescending(x => x.Fact.Date)
                .ToList();

        var count = medications.Count + immunizations.Count;
        if (count > 0)
        {
            var shown = medications.Take(LabRule.MaxEvidence)
                .Select(m => (Evidence: EvidenceOf.Medication(m, m.Start < window.From ? "started before the window, ongoing into it" : null), Text: $"{m.DrugName} from {IsoDates.Format(m.Start)}"))
                .Concat(immunizations.Take(LabRule.MaxEvidence).Select(x => (Evidence: EvidenceOf.Clinical(x.Fact, $"immunization resolved to {x.Match!.Ingredient.Id}"), Text: $"{x.Fact.Name ?? x.Fact.Code} on {IsoDates.Format(x.Fact.Date)}")))
                .Take(LabRule.MaxEvidence)
                .ToList();
            return new RuleResult(WhenPresent, $"{Label}: {string.Join("; ", shown.Select(e => e.Text))}{LabRule.More(count)} {Window.Describe(context)}", shown.Select(e => e.Evidence).ToList());
        }

        if (WhenUncovered is { } uncovered && !context.Patient.IsCovered(RecordCategories.Medications, window))
        {
            return new RuleResult(uncovered, $"no {Label} found, but the declared medication coverage ({Describe(context.Patient.CoverageOf(RecordCategories.Medications))}) does not span {Window.Describe(context)}", [], $"a medications upload whose declared coverage (manifest) spans {window}");
        }

        return new RuleResult(WhenAbsent, $"no {Label} {Window.Describe(context)}", []);
    }

    public override IEnumerable<string> CoverageCategories() => WhenUncovered is null ? [] : [RecordCategories.Medications];

    internal static string Describe(IReadOnlyList<DateRange> coverage) =>
        coverage.Count == 0 ? "none declared" : string.Join(", ", coverage);

    public override IEnumerable<string> Lint(LintContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var where = $"medication '{Label}'";
        if (Drugs.Classes.Count == 0 && Drugs.Ingredients.Count == 0)
        {
            yield return $"{where}: no classes or ingredients";
        }

        foreach (var problem in context.UnknownClasses(Drugs.Classes.Concat(Drugs.ExcludeClasses), where).Concat(LintWindow(Window, where)))
        {
            yield return problem;
        }

        foreach (var ingredient in Drugs.Ingredients.Where(i => context.Drugs.FindIngredient(i) is null))
        {
            yield return $"{where}: ingredient '{ingredient}' is not in the drug catalogue";
        }
    }
}
