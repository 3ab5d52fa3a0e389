namespace ServerlessScreening.Facts;

public static class ClinicalFactTypes
{
    public const string Diagnosis = "diagnosis";
    public const string Procedure = "procedure";
    public const string Immunization = "immunization";
    public const string Assessment = "assessment";
    public const string Attestation = "attestation";

    public static readonly IReadOnlyList<string> All = [Diagnosis, Procedure, Immunization, Assessment, Attestation];
}

/// <summary>A diagnosis, procedure, immunization, assessment score or site attestation.</summary>
public sealed record ClinicalFact
{
    public required string Type { get; init; }

    public required DateOnly Date { get; init; }

    /// <summary>When a condition ended (resolved, abated); null for a dated event, or a condition still active.</summary>
    public DateOnly? End { get; init; }

    /// <summary>True when the source says the condition is still active (e.g. a Synthea condition without STOP).</summary>
    public bool Ongoing { get; init; }

    public string? CodeSystem { get; init; }

    public string? Code { get; init; }

    public string? Name { get; init; }

    public string? Value { get; init; }

    public required SourceRef Source { get; init; }
}
