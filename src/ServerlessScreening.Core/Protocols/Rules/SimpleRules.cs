using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>
/// A site attestation (clinical kind, type <c>attestation</c>, code_system <c>screening</c>): the most recent answer
/// decides, through the statuses declared for yes and no; without one, <see cref="WhenAbsent"/> (usually confirm).
/// </summary>
public sealed record AttestationRule : Rule
{
    public required string Code { get; init; }

    public required string Label { get; init; }

    public required CriterionStatus Yes { get; init; }

    public required CriterionStatus No { get; init; }

    public CriterionStatus WhenAbsent { get; init; } = CriterionStatus.Confirm;

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var latest = context.Patient.Clinical
            .Where(c => c.Type == ClinicalFactTypes.Attestation && string.Equals(c.Code, Code, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(c => c.Date)
            .ThenByDescending(c => c.Source.Blob, StringComparer.Ordinal)
            .ThenByDescending(c => c.Source.Line)
            .FirstOrDefault();
        if (latest is null)
        {
            return new RuleResult(WhenAbsent, $"{Label}: not attested in the uploads", [], $"a site attestation {Code} yes/no (clinical upload, type attestation, code_system screening)");
        }

        var answer = ValueReader.YesNo(latest.Value, Code);
        if (!answer.IsOk || answer.Value is null)
        {
            return new RuleResult(CriterionStatus.Unknown, $"attestation {Code} on {latest.Date:yyyy-MM-dd} is not yes or no ('{latest.Value}')", [EvidenceOf.Clinical(latest)], $"a yes/no value for {Code}");
        }

        var said = answer.Value.Value ? "yes" : "no";
        return new RuleResult(answer.Value.Value ? Yes : No, $"{Label}: site attested '{said}' on {latest.Date:yyyy-MM-dd}", [EvidenceOf.Clinical(latest)]);
    }

    public override IEnumerable<string> Lint(LintContext context)
    {
        if (string.IsNullOrWhiteSpace(Code))
        {
            yield return $"attestation '{Label}': no code";
        }
    }
}

/// <summary>Cannot be decided from exports at all: always <c>confirm</c>, with what the site must confirm.</summary>
public sealed record ConfirmRule : Rule
{
    public required string Reason { get; init; }

    public required string Needs { get; init; }

    public override RuleResult Evaluate(EvaluationContext context) => new(CriterionStatus.Confirm, Reason, [], Needs);

    public override IEnumerable<string> Lint(LintContext context) => [];
}

/// <summary>
/// Several rules that must all hold: the combined status is the worst of theirs (fail, then unknown, then confirm,
/// then pass, the order that decides outcomes), with the evidence of every part so supporting results stay visible.
/// </summary>
public sealed record AllOfRule : Rule
{
    public required IReadOnlyList<Rule> Rules { get; init; }

    public override RuleResult Evaluate(EvaluationContext context)
    {
        var results = Rules.Select(r => r.Evaluate(context)).ToList();
        var status = results.Select(r => r.Status).MaxBy(StatusText.Severity);
        var deciding = results.Where(r => r.Status == status).ToList();
        var others = results.Where(r => r.Status != status).ToList();
        var reason = string.Join("; ", deciding.Select(r => r.Reason))
            + (others.Count == 0 ? string.Empty : " (also: " + string.Join("; ", others.Select(r => r.Reason)) + ")");
        var needs = deciding.Select(r => r.Needs).Where(n => n is not null).ToList();
        return new RuleResult(status, reason, results.SelectMany(r => r.Evidence).ToList(), needs.Count == 0 ? null : string.Join("; ", needs));
    }

    public override IEnumerable<string> CoverageCategories() => Rules.SelectMany(r => r.CoverageCategories()).Distinct(StringComparer.Ordinal);

    public override IEnumerable<string> Lint(LintContext context)
    {
        if (Rules.Count == 0)
        {
            yield return "allOf: no rules";
        }

        foreach (var problem in Rules.SelectMany(r => r.Lint(context)))
        {
            yield return problem;
        }
    }
}
