using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

public sealed record TestGroup(string Label, IReadOnlyList<string> Tests);

public sealed record YearRange(int Min, int Max);

/// <summary>Who a test requirement applies to: a sex, and for women, childbearing age when the data does not say whether she can bear children.</summary>
public sealed record Applicability
{
    public string? Sex { get; init; }

    public YearRange? ChildbearingAgeYears { get; init; }
}

/// <summary>
/// Every group of tests (e.g. urine hCG, serum hCG) must have a negative most-recent result in the window; any
/// positive result fails. Patients the requirement does not apply to pass with the reason why.
/// </summary>
public sealed record AllNegativeRule : Rule
{
    public required IReadOnlyList<TestGroup> Groups
    {
        get;
        init
        {
            field = value;
            Tests = value.SelectMany(g => g.Tests).Distinct(StringComparer.Ordinal).ToList();
        }
    }

    public required WindowSpec Window { get; init; }

    public Applicability? AppliesTo { get; init; }

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (AppliesTo is not null && NotApplicable(context) is { } notApplicable)
        {
            return notApplicable;
        }

        var window = Window.Resolve(context);
        var all = LabQuery.InWindow(context, Tests, window);
        List<LabResult>? positives = null;
        foreach (var lab in all)
        {
            if (LabCondition.Interpret(lab, context.Labs) == Qualitative.Positive)
            {
                (positives ??= []).Add(lab);
            }
        }

        if (positives is not null)
        {
            return new RuleResult(
                CriterionStatus.Fail,
                LabRule.Join(positives, p => $"{p.TestId} positive on {p.CollectedAt.Date:yyyy-MM-dd}"),
                positives.ConvertAll(p => EvidenceOf.Lab(p)));
        }

        var evidence = new List<Evidence>();
        var missing = new List<string>();
        var described = Window.Text(context);
        foreach (var group in Groups)
        {
            var latest = LatestOf(all, group);
            if (latest is null)
            {
                missing.Add($"no {group.Label} result");
                continue;
            }

            evidence.Add(EvidenceOf.Lab(latest));
            if (LabCondition.Interpret(latest, context.Labs) != Qualitative.Negative)
            {
                missing.Add($"{group.Label} on {latest.CollectedAt.Date:yyyy-MM-dd} is neither positive nor negative ({EvidenceOf.Describe(latest.Value, latest.Unit)})");
            }
        }

        var labels = string.Join(" and ", Groups.Select(g => g.Label));
        if (missing.Count > 0)
        {
            return new RuleResult(CriterionStatus.Unknown, $"{string.Join("; ", missing)} {described}", evidence, $"negative {labels} results {described}");
        }

        return new RuleResult(CriterionStatus.Pass, $"{labels} negative {described}", evidence);
    }

    /// <summary>Every test of every group, each once, in the order the groups name them; derived when <see cref="Groups"/> is set, not per patient.</summary>
    private IReadOnlyList<string> Tests { get; init; } = [];

    /// <summary>The most recent of <paramref name="results"/> (most recent first) that is of a test of <paramref name="group"/>.</summary>
    private static LabResult? LatestOf(ReadOnlySpan<LabResult> results, TestGroup group)
    {
        foreach (var lab in results)
        {
            if (group.Tests.Contains(lab.TestId, StringComparer.Ordinal))
            {
                return lab;
            }
        }

        return null;
    }

    public override IEnumerable<string> LabTests() => Groups.SelectMany(g => g.Tests);

    private RuleResult? NotApplicable(EvaluationContext context)
    {
        var sex = context.Sex;
        if (AppliesTo!.Sex is null)
        {
            return null;
        }

        if (sex.Contradiction is not null)
        {
            return new RuleResult(CriterionStatus.Unknown, sex.Contradiction, [], "one consistent sex for the patient");
        }

        if (sex.Value is null)
        {
            return new RuleResult(CriterionStatus.Unknown, "sex is not in the uploaded data, so it is not known whether pregnancy tests are required", [], "the patient's sex (patients upload)");
        }

        if (!string.Equals(EvaluationContext.SexText(sex.Value), AppliesTo.Sex, StringComparison.OrdinalIgnoreCase))
        {
            return new RuleResult(CriterionStatus.Pass, $"not applicable: {EvaluationContext.SexText(sex.Value)} patient", [sex.Evidence!]);
        }

        var potential = context.ChildbearingPotential;
        if (potential.Known)
        {
            return potential.Value == false
                ? new RuleResult(CriterionStatus.Pass, "not applicable: not of childbearing potential (as uploaded)", [potential.Evidence!])
                : null;
        }

        if (AppliesTo.ChildbearingAgeYears is { } range && context.BirthDate.Known)
        {
            var age = EvaluationContext.CompletedYears(context.BirthDate.Value!.Value, context.ScreeningDate);
            if (age < range.Min || age > range.Max)
            {
                return new RuleResult(CriterionStatus.Pass, $"not applicable: age {age} at screening is outside childbearing age {range.Min}–{range.Max}", [context.BirthDate.Evidence!]);
            }
        }

        return null;
    }

    public override IEnumerable<string> Lint(LintContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Groups.Count == 0)
        {
            yield return "allNegative: no test groups";
        }

        foreach (var group in Groups)
        {
            foreach (var problem in context.UnknownTests(group.Tests, $"allNegative '{group.Label}'"))
            {
                yield return problem;
            }
        }

        foreach (var problem in LintWindow(Window, "allNegative"))
        {
            yield return problem;
        }

        if (AppliesTo?.ChildbearingAgeYears is { } range && (range.Min < 0 || range.Max < range.Min))
        {
            yield return "allNegative: childbearing age range is impossible";
        }
    }
}
