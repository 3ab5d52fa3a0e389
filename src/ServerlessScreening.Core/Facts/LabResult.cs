namespace ServerlessScreening.Facts;

/// <summary>
/// One normalised lab result. <see cref="TestId"/> names the test in the lab catalogue; <see cref="Value"/>
/// and <see cref="Unit"/> are in the test's canonical unit when <see cref="UnitRecognized"/> is true,
/// otherwise they keep the raw unit and no criterion compares the value against a threshold.
/// </summary>
public sealed record LabResult
{
    public required string TestId { get; init; }

    public required Timestamp CollectedAt { get; init; }

    public string? Code { get; init; }

    public string? CodeSystem { get; init; }

    public string? Name { get; init; }

    public required LabValue Value { get; init; }

    public string? Unit { get; init; }

    public bool UnitRecognized { get; init; } = true;

    /// <summary>The value and unit as exported, when normalisation changed them.</summary>
    public string? RawValue { get; init; }

    public string? RawUnit { get; init; }

    /// <summary>How the value was converted, e.g. <c>mg/mmol ÷ 113.12 → g/g</c>; null when no conversion was needed.</summary>
    public string? Conversion { get; init; }

    public decimal? ReferenceLow { get; init; }

    public decimal? ReferenceHigh { get; init; }

    public string? Flag { get; init; }

    public string? Specimen { get; init; }

    public required SourceRef Source { get; init; }
}
