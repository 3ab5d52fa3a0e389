using System.Globalization;
using ServerlessScreening.Facts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Protocols.Rules;

public enum Truth
{
    No,
    Yes,
    Indeterminate,
}

/// <summary>
/// A condition on one lab result, in the test's canonical unit: a comparison with a threshold (per test when tests
/// differ), a qualitative result (positive or negative), or abnormal against the result's own reference range.
/// Censored values decide only when the whole censored interval falls on one side.
/// </summary>
public sealed record LabCondition
{
    /// <summary><c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c> or <c>&lt;=</c>.</summary>
    public string? Comparator { get; init; }

    public decimal? Threshold { get; init; }

    /// <summary>Per-test thresholds, in each test's canonical unit; they override <see cref="Threshold"/>.</summary>
    public Dictionary<string, decimal>? Thresholds { get; init; }

    /// <summary><c>positive</c> or <c>negative</c>.</summary>
    public string? Result { get; init; }

    /// <summary><c>low</c> or <c>high</c>: outside the result's own reference range.</summary>
    public string? Abnormal { get; init; }

    public Truth Test(LabResult lab, LabCatalog catalog, out string? why)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(catalog);
        why = null;
        if (Result is not null)
        {
            var reading = Interpret(lab, catalog);
            if (reading is null)
            {
                why = $"{lab.TestId} result {EvidenceOf.Describe(lab.Value, lab.Unit)} cannot be read as positive or negative";
                return Truth.Indeterminate;
            }

            return (reading == Qualitative.Positive) == string.Equals(Result, "positive", StringComparison.Ordinal) ? Truth.Yes : Truth.No;
        }

        if (lab.Value.Kind == LabValueKind.Qualitative || lab.Value.Number is null)
        {
            why = $"{lab.TestId} result is qualitative ({EvidenceOf.Describe(lab.Value, null)}), not a number";
            return Truth.Indeterminate;
        }

        if (!lab.UnitRecognized)
        {
            why = $"{lab.TestId} unit '{lab.RawUnit}' is not recognised, so the value cannot be compared";
            return Truth.Indeterminate;
        }

        if (Abnormal is not null)
        {
            var bound = Abnormal == "low" ? lab.ReferenceLow : lab.ReferenceHigh;
            if (bound is null)
            {
                why = $"{lab.TestId} result has no {(Abnormal == "low" ? "lower" : "upper")} reference limit to compare with";
                return Truth.Indeterminate;
            }

            return Compare(lab.Value, Abnormal == "low" ? "<" : ">", bound.Value);
        }

        var threshold = Thresholds is not null && Thresholds.TryGetValue(lab.TestId, out var own) ? own : Threshold;
        if (threshold is null || Comparator is null)
        {
            why = $"no threshold is defined for {lab.TestId}";
            return Truth.Indeterminate;
        }

        var truth = Compare(lab.Value, Comparator, threshold.Value);
        if (truth == Truth.Indeterminate)
        {
            why = $"{lab.TestId} censored result {EvidenceOf.Describe(lab.Value, lab.Unit)} does not decide {Comparator} {threshold.Value.ToString(CultureInfo.InvariantCulture)}";
        }

        return truth;
    }

    public string Describe(string testId)
    {
        if (Result is not null)
        {
            return Result;
        }

        if (Abnormal is not null)
        {
            return Abnormal == "low" ? "below the reference range" : "above the reference range";
        }

        var threshold = Thresholds is not null && Thresholds.TryGetValue(testId, out var own) ? own : Threshold;
        return $"{Comparator} {(threshold is { } t ? t.ToString(CultureInfo.InvariantCulture) : "?")}";
    }

    public IEnumerable<string> Lint(string where)
    {
        var forms = (Result is null ? 0 : 1) + (Abnormal is null ? 0 : 1) + (Comparator is null ? 0 : 1);
        if (forms != 1)
        {
            yield return $"{where}: a lab condition needs exactly one of comparator, result or abnormal";
        }

        if (Comparator is not null && Comparator is not (">" or ">=" or "<" or "<="))
        {
            yield return $"{where}: comparator '{Comparator}' is not one of >, >=, <, <=";
        }

        if (Comparator is not null && Threshold is null && (Thresholds is null || Thresholds.Count == 0))
        {
            yield return $"{where}: a comparison needs a threshold";
        }

        if (Result is not null && Result is not ("positive" or "negative"))
        {
            yield return $"{where}: result must be positive or negative";
        }

        if (Abnormal is not null && Abnormal is not ("low" or "high"))
        {
            yield return $"{where}: abnormal must be low or high";
        }
    }

    /// <summary>Positive or negative: a qualitative result, a number read through the test's interpretation or reference range, or null when neither decides.</summary>
    public static Qualitative? Interpret(LabResult lab, LabCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(catalog);
        if (lab.Value.Kind == LabValueKind.Qualitative)
        {
            return lab.Value.Result is Qualitative.Equivocal ? null : lab.Value.Result;
        }

        if (lab.Value.Number is not { } number || !lab.UnitRecognized)
        {
            return null;
        }

        var interpretation = catalog.FindById(lab.TestId)?.Qualitative;
        var censoredBelow = lab.Value.Kind == LabValueKind.Censored && lab.Value.Comparator!.StartsWith('<');
        var censoredAbove = lab.Value.Kind == LabValueKind.Censored && lab.Value.Comparator!.StartsWith('>');
        if (interpretation is not null)
        {
            if (interpretation.PositiveAtOrAbove is { } positive && number >= positive && !censoredBelow)
            {
                return Qualitative.Positive;
            }

            if (interpretation.NegativeBelow is { } negative && (number < negative || (censoredBelow && number <= negative)) && !censoredAbove)
            {
                return Qualitative.Negative;
            }

            return null;
        }

        if (lab.ReferenceHigh is { } high)
        {
            if (number > high && !censoredBelow)
            {
                return Qualitative.Positive;
            }

            if (number <= high && !censoredAbove)
            {
                return Qualitative.Negative;
            }
        }

        return null;
    }

    private static Truth Compare(LabValue value, string comparator, decimal threshold)
    {
        var number = value.Number!.Value;
        if (value.Kind == LabValueKind.Numeric)
        {
            return Holds(number, comparator, threshold) ? Truth.Yes : Truth.No;
        }

        // A censored value is an interval: "<x" is (−∞, x), "<=x" is (−∞, x], ">x" is (x, ∞), ">=x" is [x, ∞).
        var below = value.Comparator!.StartsWith('<');
        var inclusive = value.Comparator.EndsWith('=');
        return (below, comparator) switch
        {
            (true, ">") => number <= threshold || (number == threshold && !inclusive) ? Truth.No : Truth.Indeterminate,
            (true, ">=") => number < threshold || (number == threshold && !inclusive) ? Truth.No : Truth.Indeterminate,
            (true, "<") => number < threshold || (number == threshold && !inclusive) ? Truth.Yes : Truth.Indeterminate,
            (true, "<=") => number <= threshold ? Truth.Yes : Truth.Indeterminate,
            (false, ">") => number > threshold || (number == threshold && !inclusive) ? Truth.Yes : Truth.Indeterminate,
            (false, ">=") => number >= threshold ? Truth.Yes : Truth.Indeterminate,
            (false, "<") => number >= threshold ? Truth.No : Truth.Indeterminate,
            (false, "<=") => number > threshold || (number == threshold && !inclusive) ? Truth.No : Truth.Indeterminate,
            _ => Truth.Indeterminate,
        };
    }

    private static bool Holds(decimal value, string comparator, decimal threshold) => comparator switch
    {
        ">" => value > threshold,
        ">=" => value >= threshold,
        "<" => value < threshold,
        "<=" => value <= threshold,
        _ => false,
    };
}

/// <summary>Results of a set of tests inside a window, most recent first.</summary>
public static class LabQuery
{
    /// <summary>Most recent first: by date, then time (a result without a time counts as the end of its day), then source and line.</summary>
    public static readonly IComparer<LabResult> MostRecentFirst = default(MostRecentFirstOrder);

    /// <summary>The order of <see cref="MostRecentFirst"/> as a struct, so a generic caller can inline the comparison.</summary>
    public readonly struct MostRecentFirstOrder : IComparer<LabResult>
    {
        public int Compare(LabResult? x, LabResult? y)
        {
            var a = x!;
            var b = y!;
            var order = b.CollectedAt.Date.CompareTo(a.CollectedAt.Date);
            if (order != 0)
            {
                return order;
            }

            order = (b.CollectedAt.Time ?? TimeOnly.MaxValue).CompareTo(a.CollectedAt.Time ?? TimeOnly.MaxValue);
            if (order != 0)
            {
                return order;
            }

            return SourceRef.Compare(a.Source, b.Source);
        }
    }

    /// <summary>Results of <paramref name="tests"/> collected inside <paramref name="window"/>, most recent first across the tests.</summary>
    public static ReadOnlySpan<LabResult> InWindow(EvaluationContext context, IReadOnlyList<string> tests, DateRange window)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.LabsOf(tests, window);
    }
}
