using System.Globalization;
using System.Runtime.CompilerServices;
using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>An uploaded assessment (clinical kind, type <c>assessment</c>) that decides a score criterion outright.</summary>
public sealed record AssessmentSpec
{
    public required string Code { get; init; }

    public required WindowSpec Window { get; init; }

    /// <summary>The assessment passes at or above this value and fails below it.</summary>
    public required decimal PassAtOrAbove { get; init; }
}

/// <summary>One lab condition of a score item: tests in a window meeting a condition on at least N occasions.</summary>
public sealed record ItemCondition
{
    public required IReadOnlyList<string> Tests { get; init; }

    public required WindowSpec Window { get; init; }

    public required LabCondition Condition { get; init; }

    public int Occasions { get; init; } = 1;
}

/// <summary>A lab-derivable item of a score, worth <see cref="Points"/> when any of its conditions is met.</summary>
public sealed record ScoreItem
{
    public required string Id { get; init; }

    public required string Label { get; init; }

    public decimal Points { get; init; } = 1m;

    public required IReadOnlyList<ItemCondition> AnyOf { get; init; }
}

/// <summary>
/// A score criterion (ACR 1997 count, SLEDAI-2K): an uploaded assessment decides it; otherwise the lab-derivable
/// items give a lower bound that decides only when it reaches the threshold, because the clinical items are unseen.
/// </summary>
public sealed record ScoreRule : Rule
{
    public required string Label { get; init; }

    public AssessmentSpec? Assessment { get; init; }

    public required IReadOnlyList<ScoreItem> Items { get; init; }

    public required decimal Threshold { get; init; }

    public CriterionStatus WhenReached { get; init; } = CriterionStatus.Pass;

    public CriterionStatus WhenNotReached { get; init; } = CriterionStatus.Unknown;

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Assessment is not null && FromAssessment(context) is { } decided)
        {
            return decided;
        }

        var total = 0m;
        var evidence = new List<Evidence>();
        var metItems = new List<ScoreItem>();
        // Index loops: foreach over an IReadOnlyList allocates an enumerator per item per patient.
        for (var i = 0; i < Items.Count; i++)
        {
            // The first condition of the item that is met decides it, and its deciding results are the evidence.
            var item = Items[i];
            List<LabResult>? hit = null;
            for (var c = 0; c < item.AnyOf.Count; c++)
            {
                hit = Met(context, item.AnyOf[c]);
                if (hit is not null)
                {
                    break;
                }
            }

            if (hit is null)
            {
                continue;
            }

            total += item.Points;
            metItems.Add(item);
            var note = $"lab-derived {Label} item: {item.Label}";
            foreach (var lab in hit)
            {
                evidence.Add(EvidenceOf.Lab(lab, note));
            }
        }

        var items = metItems.Count == 0 ? "no lab-derivable item met" : Describe(metItems);
        if (total >= Threshold)
        {
            return new RuleResult(WhenReached, $"lab-derived {Label} lower bound {Format(total)} ≥ {Format(Threshold)}: {items}", evidence);
        }

        var needs = Assessment is null ? $"clinical data for the {Label} items that labs cannot show" : $"an uploaded {Assessment.Code} assessment (clinical upload, code_system screening)";
        return new RuleResult(WhenNotReached, $"lab-derived {Label} lower bound {Format(total)} < {Format(Threshold)} ({items}); clinical items are not in the uploads", evidence, needs);
    }

    /// <summary>The met items with their points, e.g. <c>renal disorder (+1), hematologic disorder (+1)</c>, written into one string.</summary>
    private static string Describe(List<ScoreItem> items)
    {
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                text.AppendLiteral(", ");
            }

            text.AppendFormatted(items[i].Label);
            text.AppendLiteral(" (+");
            text.AppendFormatted(items[i].Points, "0.##");
            text.AppendLiteral(")");
        }

        return text.ToStringAndClear();
    }

    private RuleResult? FromAssessment(EvaluationContext context)
    {
        var window = Assessment!.Window.Resolve(context);
        var latest = ClinicalQuery.Latest(context.Patient.Clinical, ClinicalFactTypes.Assessment, Assessment.Code, window);
        if (latest is null)
        {
            return null;
        }

        if (!decimal.TryParse(latest.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            return new RuleResult(CriterionStatus.Unknown, $"{Assessment.Code} assessment on {latest.Date:yyyy-MM-dd} has no numeric value ('{latest.Value}')", [EvidenceOf.Clinical(latest)], $"a numeric {Assessment.Code} value");
        }

        var status = value >= Assessment.PassAtOrAbove ? CriterionStatus.Pass : CriterionStatus.Fail;
        var relation = status == CriterionStatus.Pass ? "≥" : "<";
        return new RuleResult(status, $"uploaded {Assessment.Code} {Format(value)} on {latest.Date:yyyy-MM-dd} {relation} {Format(Assessment.PassAtOrAbove)}", [EvidenceOf.Clinical(latest)]);
    }

    /// <summary>
    /// The results that meet the condition on the most recent occasions it needs (one result per date, the most
    /// recent of it), or null when fewer occasions meet it. The evidence is these results, not every result.
    /// </summary>
    private static List<LabResult>? Met(EvaluationContext context, ItemCondition condition)
    {
        List<LabResult>? deciding = null;
        foreach (var lab in LabQuery.InWindow(context, condition.Tests, condition.Window.Resolve(context)))
        {
            if ((deciding is null || deciding[^1].CollectedAt.Date != lab.CollectedAt.Date) && condition.Condition.Test(lab, context.Labs, out _) == Truth.Yes)
            {
                deciding ??= new List<LabResult>(condition.Occasions);
                deciding.Add(lab);
                if (deciding.Count == condition.Occasions)
                {
                    return deciding;
                }
            }
        }

        return null;
    }

    public override IEnumerable<string> LabTests() => Items.SelectMany(i => i.AnyOf).SelectMany(c => c.Tests);

    private static string Format(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public override IEnumerable<string> Lint(LintContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Items.Count == 0)
        {
            yield return $"score '{Label}': no items";
        }

        if (Assessment is not null)
        {
            foreach (var problem in LintWindow(Assessment.Window, $"score '{Label}' assessment"))
            {
                yield return problem;
            }
        }

        foreach (var item in Items)
        {
            if (item.AnyOf.Count == 0)
            {
                yield return $"score '{Label}' item '{item.Id}': no conditions";
            }

            foreach (var condition in item.AnyOf)
            {
                var where = $"score '{Label}' item '{item.Id}'";
                foreach (var problem in context.UnknownTests(condition.Tests, where).Concat(LintWindow(condition.Window, where)).Concat(condition.Condition.Lint(where)))
                {
                    yield return problem;
                }
            }
        }
    }
}
