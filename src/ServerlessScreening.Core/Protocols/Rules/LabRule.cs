using ServerlessScreening.Facts;
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
        if (results.Length == 0)
        {
            var absent = Window.Text(context);
            return new RuleResult(WhenAbsent, $"no {Label} result {absent}", [], $"a {Label} result {absent}");
        }

        ReadOnlySpan<LabResult> considered = Select switch
        {
            MostRecent => results[..1],
            MostRecentPerTest => MostRecentOfEachTest(results),
            _ => results,
        };

        // Results are most recent first, so each list below is too, and equal dates are adjacent.
        List<LabResult>? met = null;
        List<LabResult>? notMet = null;
        List<(LabResult Lab, string Why)>? indeterminate = null;
        var occasions = 0;
        foreach (var lab in considered)
        {
            switch (Condition.Test(lab, context.Labs, out var why))
            {
                case Truth.Yes:
                    met ??= [];
                    if (met.Count == 0 || met[^1].CollectedAt.Date != lab.CollectedAt.Date)
                    {
                        occasions++;
                    }

                    met.Add(lab);
                    break;
                case Truth.No:
                    (notMet ??= []).Add(lab);
                    break;
                default:
                    (indeterminate ??= []).Add((lab, why!));
                    break;
            }
        }

        var required = Select == AtLeast ? Occasions : 1;
        var described = Window.Text(context);
        if (met is not null && occasions >= required)
        {
            var shown = met.Count > MaxEvidence ? met.GetRange(0, MaxEvidence) : met;
            var reason = Select == AtLeast
                ? $"{Label} {Condition.Describe(met[0].TestId)} on {occasions} occasions {described}"
                : Join(shown, l => $"{context.Labs.ShortName(l.TestId)} {EvidenceOf.Describe(l.Value, l.Unit)} on {new IsoDateText(l.CollectedAt.Date)} {Condition.Describe(l.TestId)}") + More(met.Count);
            return new RuleResult(WhenMet, reason, LabEvidence(shown));
        }

        if (indeterminate is not null)
        {
            var shown = indeterminate.Count > MaxEvidence ? indeterminate.GetRange(0, MaxEvidence) : indeterminate;
            var evidence = new Evidence[shown.Count];
            for (var i = 0; i < shown.Count; i++)
            {
                evidence[i] = EvidenceOf.Lab(shown[i].Lab);
            }

            return new RuleResult(
                CriterionStatus.Unknown,
                Join(shown, i => i.Why) + More(indeterminate.Count),
                evidence,
                $"a {Label} result in the test's standard unit {described}");
        }

        List<LabResult> supporting = notMet is null ? [] : notMet.Count > MaxEvidence ? notMet.GetRange(0, MaxEvidence) : notMet;
        var notMetReason = Select == AtLeast
            ? $"{Label} {Condition.Describe(considered[0].TestId)} on {occasions} of the {required} occasions required {described}"
            : Join(supporting, l => $"{context.Labs.ShortName(l.TestId)} {EvidenceOf.Describe(l.Value, l.Unit)} on {new IsoDateText(l.CollectedAt.Date)} is not {Condition.Describe(l.TestId)}") + More(notMet?.Count ?? 0);
        return new RuleResult(WhenNotMet, notMetReason, LabEvidence(supporting));
    }

    /// <summary>The first (most recent) result of each test, in the order of <paramref name="results"/>.</summary>
    private static LabResult[] MostRecentOfEachTest(ReadOnlySpan<LabResult> results)
    {
        var first = new List<LabResult>(4);
        foreach (var lab in results)
        {
            if (!first.Exists(f => string.Equals(f.TestId, lab.TestId, StringComparison.Ordinal)))
            {
                first.Add(lab);
            }
        }

        return [.. first];
    }

    private static Evidence[] LabEvidence(List<LabResult> labs)
    {
        var evidence = new Evidence[labs.Count];
        for (var i = 0; i < labs.Count; i++)
        {
            evidence[i] = EvidenceOf.Lab(labs[i]);
        }

        return evidence;
    }

    /// <summary>The texts of <paramref name="items"/> joined with "; ".</summary>
    internal static string Join<T>(List<T> items, Func<T, string> text) => items.Count switch
    {
        0 => string.Empty,
        1 => text(items[0]),
        _ => string.Join("; ", items.ConvertAll(i => text(i))),
    };

    public override IEnumerable<string> LabTests() => Tests;

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
