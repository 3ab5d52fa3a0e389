namespace ServerlessScreening.Facts;

/// <summary>
/// One prescription, order or administration, resolved to an ingredient and its drug classes when the
/// drug catalogue knows it. <see cref="End"/> null means ongoing; a single administration has End = Start.
/// </summary>
public sealed record MedicationRecord
{
    public required string DrugName { get; init; }

    /// <summary>
    /// Catalogue ingredient id (e.g. <c>rituximab</c>); null when the drug could not be resolved to an ingredient. It may
    /// still have <see cref="Classes"/>: an ATC code that no ingredient lists gives the class of the rule covering it.
    /// </summary>
    public string? Ingredient { get; init; }

    public IReadOnlyList<string> Classes { get; init; } = [];

    public string? Code { get; init; }

    public string? CodeSystem { get; init; }

    public decimal? Dose { get; init; }

    public string? DoseUnit { get; init; }

    public string? Frequency { get; init; }

    public string? Route { get; init; }

    public required DateOnly Start { get; init; }

    public DateOnly? End { get; init; }

    public string? Status { get; init; }

    public required SourceRef Source { get; init; }
}
