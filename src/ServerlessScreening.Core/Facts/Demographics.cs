namespace ServerlessScreening.Facts;

public enum Sex
{
    Female,
    Male,
}

/// <summary>What one row of patient data says about a patient. Fields a row does not carry are null.</summary>
public sealed record Demographics
{
    public Sex? Sex { get; init; }

    public DateOnly? BirthDate { get; init; }

    public DateOnly? ScreeningDate { get; init; }

    public DateOnly? ConsentDate { get; init; }

    public DateOnly? RandomizationDate { get; init; }

    public bool? ChildbearingPotential { get; init; }

    public required SourceRef Source { get; init; }
}
