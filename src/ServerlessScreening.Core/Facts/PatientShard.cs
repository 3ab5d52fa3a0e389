namespace ServerlessScreening.Facts;

/// <summary>
/// The facts one upload holds about one patient, or a part of them: a large upload is flushed in parts so
/// memory stays flat. Parts are numbered by flush and the flush points depend only on the upload's rows, so
/// re-ingesting the same upload writes the same parts.
/// </summary>
public sealed record PatientShard
{
    public const string SchemaId = "screening.facts/v1";

    public string Schema { get; init; } = SchemaId;

    public required string SiteId { get; init; }

    public required string PatientId { get; init; }

    /// <summary>The upload blob (container-qualified) the facts were read from.</summary>
    public required string Upload { get; init; }

    public int Part { get; init; }

    public List<Demographics> Demographics { get; init; } = [];

    public List<LabResult> Labs { get; init; } = [];

    public List<MedicationRecord> Medications { get; init; } = [];

    public List<ClinicalFact> Clinical { get; init; } = [];

    [System.Text.Json.Serialization.JsonIgnore]
    [Newtonsoft.Json.JsonIgnore]
    public int FactCount => Demographics.Count + Labs.Count + Medications.Count + Clinical.Count;
}
