namespace ServerlessScreening.Facts;

public enum LabValueKind
{
    Numeric,
    /// <summary>A censored value such as <c>&lt;0.1</c> or <c>&gt;1000</c>: the true value lies beyond <see cref="LabValue.Number"/>.</summary>
    Censored,
    Qualitative,
}

public enum Qualitative
{
    Negative,
    Positive,

    /// <summary>Borderline, indeterminate or trace: neither positive nor negative.</summary>
    Equivocal,
}

/// <summary>A lab result value: a number, a censored number, or a qualitative result.</summary>
public sealed record LabValue
{
    public required LabValueKind Kind { get; init; }

    /// <summary>The number, in the unit of the fact that carries it. Null for qualitative values.</summary>
    public decimal? Number { get; init; }

    /// <summary>For censored values: <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c> or <c>&gt;=</c>.</summary>
    public string? Comparator { get; init; }

    public Qualitative? Result { get; init; }

    /// <summary>For qualitative values: the grade as exported (<c>+</c>, <c>++</c>, <c>阳性</c>…), kept for evidence.</summary>
    public string? Grade { get; init; }

    public static LabValue Of(decimal number) => new() { Kind = LabValueKind.Numeric, Number = number };

    public static LabValue Censor(string comparator, decimal number) =>
        new() { Kind = LabValueKind.Censored, Comparator = comparator, Number = number };

    public static LabValue Of(Qualitative result, string? grade = null) =>
        new() { Kind = LabValueKind.Qualitative, Result = result, Grade = grade };

    public LabValue Scale(decimal factor) => Number is { } n ? this with { Number = n * factor } : this;
}
