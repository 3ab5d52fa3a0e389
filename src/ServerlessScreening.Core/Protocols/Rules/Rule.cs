using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>What a rule decided for one patient.</summary>
public sealed record RuleResult(CriterionStatus Status, string Reason, IReadOnlyList<Evidence> Evidence, string? Needs = null)
{
    public static RuleResult Of(CriterionStatus status, string reason, params Evidence[] evidence) => new(status, reason, evidence);
}

/// <summary>
/// A closed interval of whole days relative to an anchor date: <c>[anchor − DaysBefore, anchor + DaysAfter]</c>.
/// <see cref="DaysBefore"/> null means unbounded in the past ("whatever its date", "history of").
/// </summary>
public sealed record WindowSpec
{
    public string Anchor { get; init; } = Anchors.Screening;

    public int? DaysBefore { get; init; }

    public int DaysAfter { get; init; }

    /// <summary>The protocol's own words for the window, e.g. "24 weeks"; shown in reasons.</summary>
    public string? Label { get; init; }

    public DateRange Resolve(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var anchor = context.Anchor(Anchor);
        var from = DaysBefore is { } days ? anchor.AddDays(-days) : DateOnly.MinValue;
        return new DateRange(from, anchor.AddDays(DaysAfter));
    }

    /// <summary>
    /// The window in reasons: <c>on or before screening (2025-06-01)</c>, or
    /// <c>{label, else N days} before screening (2025-03-09..2025-06-01)</c>; an interpolated string writes it in place.
    /// </summary>
    public WindowText Text(EvaluationContext context)
    {
        var range = Resolve(context);
        var anchorName = Anchor switch
        {
            Anchors.Consent => "consent",
            Anchors.Randomization => "randomization",
            _ => "screening",
        };
        return DaysBefore is null
            ? new WindowText("on or", anchorName, range, bounded: false)
            : new WindowText(Label ?? $"{DaysBefore} days", anchorName, range, bounded: true);
    }
}

/// <summary>
/// A window as reasons name it, <c>{lead} before {anchor} ({from}..{to})</c>, or without the start when the window is
/// unbounded in the past; an interpolated string writes it in place, without an intermediate string.
/// </summary>
public readonly struct WindowText(string lead, string anchor, DateRange range, bool bounded) : ISpanFormattable
{
    private const string Before = " before ";

    public int Length => lead.Length + Before.Length + anchor.Length + 2 + (bounded ? IsoDate.Length + 2 : 0) + IsoDate.Length + 1;

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < Length)
        {
            charsWritten = 0;
            return false;
        }

        Write(destination);
        charsWritten = Length;
        return true;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString() => string.Create(Length, this, static (chars, text) => text.Write(chars));

    private void Write(Span<char> chars)
    {
        lead.CopyTo(chars);
        var at = lead.Length;
        Before.CopyTo(chars[at..]);
        at += Before.Length;
        anchor.CopyTo(chars[at..]);
        at += anchor.Length;
        chars[at++] = ' ';
        chars[at++] = '(';
        if (bounded)
        {
            IsoDate.Write(range.From, chars[at..]);
            at += IsoDate.Length;
            chars[at++] = '.';
            chars[at++] = '.';
        }

        IsoDate.Write(range.To, chars[at..]);
        chars[at + IsoDate.Length] = ')';
    }
}

/// <summary>
/// A rule type of the protocol format. Rules are data (read from the protocol file) with the evaluation that gives
/// them meaning; every status a rule can return in a given situation is declared in the data, not implied by code.
/// </summary>
public abstract record Rule
{
    public abstract RuleResult Evaluate(EvaluationContext context);

    /// <summary>The record categories whose declared coverage this rule consults (absence counts only under coverage).</summary>
    public virtual IEnumerable<string> CoverageCategories() => [];

    /// <summary>The lab tests whose results this rule reads; a patient's results of other tests are never indexed.</summary>
    public virtual IEnumerable<string> LabTests() => [];

    /// <summary>Problems with this rule's content (unknown tests or classes, empty code sets, impossible windows).</summary>
    public abstract IEnumerable<string> Lint(LintContext context);

    internal static IEnumerable<string> LintWindow(WindowSpec? window, string where)
    {
        if (window is null)
        {
            yield return $"{where}: a window is required";
            yield break;
        }

        if (!Anchors.All.Contains(window.Anchor))
        {
            yield return $"{where}: anchor '{window.Anchor}' is not one of {string.Join(", ", Anchors.All)}";
        }

        if (window.DaysBefore is < 0 || window.DaysAfter < 0)
        {
            yield return $"{where}: window days must not be negative";
        }

        if (window.DaysBefore is > 36600)
        {
            yield return $"{where}: window of {window.DaysBefore} days is longer than a century; use an unbounded window (no daysBefore)";
        }
    }
}

/// <summary>What the linter checks rule content against.</summary>
public sealed record LintContext(Vocabulary.LabCatalog Labs, Vocabulary.DrugCatalog Drugs)
{
    public IEnumerable<string> UnknownTests(IEnumerable<string>? tests, string where)
    {
        var list = tests?.ToList() ?? [];
        if (list.Count == 0)
        {
            yield return $"{where}: the test list is empty";
        }

        foreach (var test in list.Where(t => Labs.FindById(t) is null))
        {
            yield return $"{where}: test '{test}' is not in the lab catalogue";
        }
    }

    public IEnumerable<string> UnknownClasses(IEnumerable<string>? classes, string where)
    {
        foreach (var drugClass in classes ?? [])
        {
            if (!Drugs.ClassDefinitions.Any(c => string.Equals(c.Id, drugClass, StringComparison.Ordinal)))
            {
                yield return $"{where}: drug class '{drugClass}' is not in the drug catalogue";
            }
        }
    }
}

/// <summary>Status names as the protocol file writes them.</summary>
internal static class StatusText
{
    public static string Of(CriterionStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Worst first: fail, unknown, confirm, pass; the same order that decides a patient's outcome.</summary>
    public static int Severity(CriterionStatus status) => status switch
    {
        CriterionStatus.Fail => 3,
        CriterionStatus.Unknown => 2,
        CriterionStatus.Confirm => 1,
        _ => 0,
    };
}
