using System.Globalization;
using System.Runtime.CompilerServices;
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
        var latest = ClinicalQuery.Latest(context.Patient.Clinical, ClinicalFactTypes.Attestation, Code);
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
        if (Rules.Count == 0)
        {
            throw new InvalidOperationException("An allOf rule has no rules to combine.");
        }

        var results = new RuleResult[Rules.Count];
        var status = CriterionStatus.Pass;
        var evidenceCount = 0;
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = Rules[i].Evaluate(context);
            evidenceCount += results[i].Evidence.Count;
            if (StatusText.Severity(results[i].Status) > StatusText.Severity(status))
            {
                status = results[i].Status;
            }
        }

        // The reason leads with the parts that decided the status, then the others; evidence of every part, in order.
        var reason = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[512]);
        var others = AppendReasons(ref reason, results, status, deciding: true);
        if (others > 0)
        {
            reason.AppendLiteral(" (also: ");
            AppendReasons(ref reason, results, status, deciding: false);
            reason.AppendLiteral(")");
        }

        var needs = new List<string>();
        var evidence = new List<Evidence>(evidenceCount);
        foreach (var result in results)
        {
            if (result.Status == status && result.Needs is not null)
            {
                needs.Add(result.Needs);
            }

            evidence.AddRange(result.Evidence);
        }

        return new RuleResult(status, reason.ToStringAndClear(), evidence, needs.Count == 0 ? null : string.Join("; ", needs));
    }

    /// <summary>
    /// Appends the reasons of the parts that decided <paramref name="status"/> (or of the others), joined with "; ",
    /// and returns how many parts it left out.
    /// </summary>
    private static int AppendReasons(ref DefaultInterpolatedStringHandler text, RuleResult[] results, CriterionStatus status, bool deciding)
    {
        var appended = 0;
        foreach (var result in results)
        {
            if ((result.Status == status) == deciding)
            {
                if (appended++ > 0)
                {
                    text.AppendLiteral("; ");
                }

                text.AppendFormatted(result.Reason);
            }
        }

        return results.Length - appended;
    }

    public override IEnumerable<string> CoverageCategories() => Rules.SelectMany(r => r.CoverageCategories()).Distinct(StringComparer.Ordinal);

    public override IEnumerable<string> LabTests() => Rules.SelectMany(r => r.LabTests());

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
