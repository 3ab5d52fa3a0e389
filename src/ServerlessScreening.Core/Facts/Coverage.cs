namespace ServerlessScreening.Facts;

/// <summary>Which category of records an upload holds. Absence of a record is evidence only within the declared coverage of uploads of that category.</summary>
public static class RecordCategories
{
    public const string Labs = "labs";
    public const string Medications = "medications";
    public const string Diagnoses = "diagnoses";
    public const string Procedures = "procedures";
    public const string Immunizations = "immunizations";
    public const string Assessments = "assessments";
    public const string Attestations = "attestations";
    public const string Patients = "patients";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Labs, Medications, Diagnoses, Procedures, Immunizations, Assessments, Attestations, Patients,
    };

    public static string ForClinicalType(string type) => type switch
    {
        ClinicalFactTypes.Diagnosis => Diagnoses,
        ClinicalFactTypes.Procedure => Procedures,
        ClinicalFactTypes.Immunization => Immunizations,
        ClinicalFactTypes.Assessment => Assessments,
        _ => Attestations,
    };
}

/// <summary>A closed interval of whole days.</summary>
public readonly record struct DateRange(DateOnly From, DateOnly To)
{
    public bool Contains(DateOnly date) => date >= From && date <= To;

    public bool Covers(DateRange other) => From <= other.From && To >= other.To;

    public bool Overlaps(DateOnly from, DateOnly? to) => from <= To && (to is null || to.Value >= From);

    public override string ToString() => $"{From:yyyy-MM-dd}..{To:yyyy-MM-dd}";
}

/// <summary>What one upload vouches for: the categories of records it holds and the period it is complete for (from its manifest or the site profile).</summary>
public sealed record CoverageDeclaration(string Blob, IReadOnlyList<string> Categories, DateRange Period, string DeclaredBy);
