using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>
/// Results of one or more tests in a window, selected as the most recent (across the tests, or per test), any, or
/// at least N occasions (distinct dates), tested against a <see cref="LabCondition"/>. Each outcome's status is data.
/// </summary>
public sealed record LabRule : Rule
{
    public const string MostRecent = "mostRecent";
    public const string MostRecentPerTest = "mostRecentPerTest";
    public const string Any = "any";
    public const string AtLeast = "atLeast";

    public required string Label { get; init; }

    public required IReadOnlyList<string> Tests { get; init; }

    public required WindowSpec Window { get; init; }

    public string Select { get; init; } = MostRecent;

    /// <summary>For <see cref="AtLeast"/>: how many occasions (distinct dates) must meet the condition.</summary>
    public int Occasions { get; init; } = 1;

    public required LabCondition Condition { get; init; }

    public CriterionStatus WhenMet { get; init; } = CriterionStatus.Pass;

    public CriterionStatus WhenNotMet { get; init; } = CriterionStatus.Fail;

    public CriterionStatus WhenAbsent { get; init; } = CriterionStatus.Unknown;

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var window = Window.Resolve(context);
        var results = LabQuery.InWindow(context, Tests, window);
        if (results.Count == 0)
        {
            return new RuleResult(WhenAbsent, $"no {Label} result {Window.Describe(context)}", [], $"a {Label} result {Window.Describe(context)}");
        }

        var considered = Select switch
        {
            MostRecent => [results[0]],
            MostRecentPerTest => results.GroupBy(r => r.TestId, StringComparer.Ordinal).Select(g => g.First()).ToList(),
            _ => results,
        };

        var met = new List<LabResult>();
        var notMet = new List<LabResult>();
        var indeterminate = new List<(LabResult Lab, string Why)>();
        foreach (var lab in considered)
        {
            switch (Condition.Test(lab, context.Labs, out var why))
            {
                case Truth.Yes:
                    met.Add(lab);
                    break;
                case Truth.No:
                    notMet.Add(lab);
                    break;
                default:
                    indeterminate.Add((lab, why!));
                    break;
            }
        }

        var required = Select == AtLeast ? Occasions : 1;
        var occasions = met.Select(l => l.CollectedAt.Date).Distinct().Count();
        var described = Window.Describe(context);
        if (occasions >= required)
        {
            var shown = met.Take(MaxEvidence).ToList();
            var reason = Select == AtLeast
                ? $"{Label} {Condition.Describe(met[0].TestId)} on {occasions} occasions {described}"
                : string.Join("; ", shown.Select(l => $"{context.Labs.ShortName(l.TestId)} {EvidenceOf.Describe(l.Value, l.Unit)} on {IsoDates.Format(l.CollectedAt.Date)} {Condition.Describe(l.TestId)}")) + More(met.Count);
            return new RuleResult(WhenMet, reason, shown.Select(l => EvidenceOf.Lab(l)).ToList());
        }

        if (indeterminate.Count > 0)
        {
            return new RuleResult(
                CriterionStatus.Unknown,
                string.Join("; ", indeterminate.Take(MaxEvidence).Select(i => i.Why)) + More(indeterminate.Count),
                indeterminate.Take(MaxEvidence).Select(i => EvidenceOf.Lab(i.Lab)).ToList(),
                $"a {Label} result in the test's standard unit {described}");
        }

        var supporting = notMet.Take(MaxEvidence).ToList();
        var notMetReason = Select == AtLeast
            ? $"{Label} {Condition.Describe(considered[0].TestId)} on {occasions} of the {required} occasions required {described}"
            : string.Join("; ", supporting.Select(l => $"{context.Labs.ShortName(l.TestId)} {EvidenceOf.Describe(l.Value, l.Unit)} on {IsoDates.Format(l.CollectedAt.Date)} is not {Condition.Describe(l.TestId)}")) + More(notMet.Count);
        return new RuleResult(WhenNotMet, notMetReason, supporting.Select(l => EvidenceOf.Lab(l)).ToList());
    }

    /// <summary>Evidence lists the most recent deciding results; the reason counts the rest.</summary>
    internal const int MaxEvidence = 5;

    internal static string More(int count) => count > MaxEvidence ? $" (and {count - MaxEvidence} more)" : string.Empty;

    public override IEnumerable<string> Lint(LintContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var where = $"lab '{Label}'";
        foreach (var problem in context.UnknownTests(Tests, where).Concat(LintWindow(Window, where)).Concat(Condition.Lint(where)))
        {
            yield return problem;
        }

        if (Select is not (MostRecent or MostRecentPerTest or Any or AtLeast))
        {
            yield return $"{where}: select '{Select}' is not one of mostRecent, mostRecentPerTest, any, atLeast";
        }

        if (Occasions < 1)
        {
            yield return $"{where}: occasions must be at least 1";
        }
    }
}
