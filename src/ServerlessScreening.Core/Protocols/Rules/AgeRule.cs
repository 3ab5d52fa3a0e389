using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>Age in completed years at an anchor date, inside an inclusive range.</summary>
public sealed record AgeRule : Rule
{
    public string Anchor { get; init; } = Anchors.Consent;

    public required int MinYears { get; init; }

    public required int MaxYears { get; init; }

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var birth = context.BirthDate;
        if (birth.Contradiction is not null)
        {
            return new RuleResult(CriterionStatus.Unknown, birth.Contradiction, [], "one consistent birth date for the patient");
        }

        if (birth.Value is not { } birthDate)
        {
            return new RuleResult(CriterionStatus.Unknown, "no birth date in the uploaded data", [], "the patient's birth date (patients upload, birth_date)");
        }

        var anchor = context.Anchor(Anchor);
        var age = EvaluationContext.CompletedYears(birthDate, anchor);
        var at = $"{Anchor} date {new IsoDateText(anchor)}";
        var evidence = new[] { birth.Evidence! };
        return age >= MinYears && age <= MaxYears
            ? new RuleResult(CriterionStatus.Pass, $"age {age} at {at} is within {MinYears}–{MaxYears}", evidence)
            : new RuleResult(CriterionStatus.Fail, $"age {age} at {at} is outside {MinYears}–{MaxYears}", evidence);
    }

    public override IEnumerable<string> Lint(LintContext context)
    {
        if (!Anchors.All.Contains(Anchor))
        {
            yield return $"age: anchor '{Anchor}' is not one of {string.Join(", ", Anchors.All)}";
        }

        if (MinYears < 0 || MaxYears < MinYears)
        {
            yield return $"age: range {MinYears}–{MaxYears} is impossible";
        }
    }
}
