using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>Which medication records (and, optionally, immunizations) a rule is about.</summary>
public sealed record DrugSelector
{
    public IReadOnlyList<string> Classes { get; init; } = [];

    public IReadOnlyList<string> Ingredients { get; init; } = [];

    public IReadOnlyList<string> ExcludeClasses { get; init; } = [];

    /// <summary>Route keywords a record must match (e.g. intravenous); empty means any route.</summary>
    public IReadOnlyList<string> Routes
    {
        get;
        init
        {
            field = value;
            _routes = RouteKeyword.Of(value);
        }
    } = [];

    /// <summary>Route keywords that exclude a record (e.g. topical, for "systemic").</summary>
    public IReadOnlyList<string> ExcludeRoutes
    {
        get;
        init
        {
            field = value;
            _excludeRoutes = RouteKeyword.Of(value);
        }
    } = [];

    // Derived from Routes and ExcludeRoutes when they are set, so records are not normalised per keyword per record.
    private readonly RouteKeyword[] _routes = [];
    private readonly RouteKeyword[] _excludeRoutes = [];

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
        if (Routes.Count > 0 && !RouteKeyword.AnyMatches(_routes, routeKey))
        {
            return false;
        }

        return !RouteKeyword.AnyMatches(_excludeRoutes, routeKey);
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

    /// <summary>
    /// A route keyword in its name key (<see cref="Text.Keys.Name"/>). A record's route matches when its key is the
    /// keyword's or starts with it; a CJK keyword (e.g. 静滴) may also appear anywhere in the route.
    /// </summary>
    private readonly record struct RouteKeyword(string Key, bool Cjk)
    {
        public static RouteKeyword[] Of(IReadOnlyList<string>? keywords)
        {
            if (keywords is null)
            {
                return [];
            }

            var result = new RouteKeyword[keywords.Count];
            for (var i = 0; i < result.Length; i++)
            {
                var key = Text.Keys.Name(keywords[i]);
                result[i] = new RouteKeyword(key, key.Any(c => c >= '\u3400'));
            }

            return result;
        }

        public static bool AnyMatches(RouteKeyword[] keywords, string routeKey)
        {
            foreach (var keyword in keywords)
            {
                if (keyword.Matches(routeKey))
                {
                    return true;
                }
            }

            return false;
        }

        private bool Matches(string routeKey) =>
            routeKey.Length > 0 && (routeKey == Key || routeKey.StartsWith(Key, StringComparison.Ordinal) || (Cjk && routeKey.Contains(Key, StringComparison.Ordinal)));
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
        List<MedicationRecord>? medications = null;
        foreach (var medication in context.Patient.Medications)
        {
            if (window.Overlaps(medication.Start, medication.End) && Drugs.Matches(medication.Classes, medication.Ingredient, medication.Route))
            {
                (medications ??= []).Add(medication);
            }
        }

        var immunizations = IncludeImmunizations ? Immunizations(context, window) : null;
        var count = (medications?.Count ?? 0) + (immunizations?.Count ?? 0);
        if (count > 0)
        {
            // Most recent first, medications before immunizations; only what the verdict shows is written out.
            var evidence = new List<Evidence>(Math.Min(count, LabRule.MaxEvidence));
            var texts = new List<string>(evidence.Capacity);
            if (medications is not null)
            {
                Ordering.MostRecentFirst(medications, m => m.Start);
                foreach (var m in medications)
                {
                    if (evidence.Count == LabRule.MaxEvidence)
                    {
                        break;
                    }

                    evidence.Add(EvidenceOf.Medication(m, m.Start < window.From ? "started before the window, ongoing into it" : null));
                    texts.Add($"{m.DrugName} from {new IsoDateText(m.Start)}");
                }
            }

            if (immunizations is not null)
            {
                Ordering.MostRecentFirst(immunizations, x => x.Fact.Date);
                foreach (var (fact, match) in immunizations)
                {
                    if (evidence.Count == LabRule.MaxEvidence)
                    {
                        break;
                    }

                    evidence.Add(EvidenceOf.Clinical(fact, $"immunization resolved to {match.Ingredient.Id}"));
                    texts.Add($"{fact.Name ?? fact.Code} on {new IsoDateText(fact.Date)}");
                }
            }

            return new RuleResult(WhenPresent, $"{Label}: {string.Join("; ", texts)}{LabRule.More(count)} {Window.Text(context)}", evidence);
        }

        if (WhenUncovered is { } uncovered && !context.IsCovered(RecordCategories.Medications, window))
        {
            return new RuleResult(uncovered, $"no {Label} found, but the declared medication coverage ({Describe(context.CoverageOf(RecordCategories.Medications))}) does not span {Window.Text(context)}", [], $"a medications upload whose declared coverage (manifest) spans {window}");
        }

        // An absence that counts under coverage cites the coverage; one that only the site can settle says so.
        return new RuleResult(
            WhenAbsent,
            $"no {Label} {Window.Text(context)}",
            WhenUncovered is null ? [] : context.CoverageEvidence([RecordCategories.Medications], window),
            WhenAbsent is CriterionStatus.Confirm or CriterionStatus.Unknown ? $"site confirmation that there is no {Label} {Window.Text(context)}" : null);
    }

    /// <summary>Immunizations in the window that the drug catalogue resolves to a selected drug, in the order of the record.</summary>
    private List<(ClinicalFact Fact, Vocabulary.DrugMatch Match)>? Immunizations(EvaluationContext context, DateRange window)
    {
        List<(ClinicalFact Fact, Vocabulary.DrugMatch Match)>? found = null;
        foreach (var fact in context.Patient.Clinical)
        {
            if (fact.Type == ClinicalFactTypes.Immunization && window.Contains(fact.Date)
                && context.Drugs.Resolve(fact.Code, fact.CodeSystem ?? "CVX", fact.Name) is { } match
                && Drugs.Matches(match.Classes, match.Ingredient.Id, null))
            {
                (found ??= []).Add((fact, match));
            }
        }

        return found;
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
