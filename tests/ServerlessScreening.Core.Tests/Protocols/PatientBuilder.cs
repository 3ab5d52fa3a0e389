using Microsoft.Extensions.Time.Testing;
using ServerlessScreening.Facts;
using ServerlessScreening.Protocols;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Tests.Protocols;

/// <summary>
/// Builds one patient's facts for engine tests, dated relative to a fixed screening date, and evaluates them with the
/// real lupus nephritis protocol file. Facts get distinct line numbers so evidence can be traced in assertions.
/// </summary>
internal sealed class PatientBuilder
{
    public static readonly DateOnly Screening = new(2025, 6, 1);
    public static readonly ProtocolDefinition Protocol = ProtocolDefinition.LoadFile(TestPaths.Protocol);

    private const string Blob = "uploads/site-t/test.csv";
    private readonly List<Demographics> _demographics = [];
    private readonly List<LabResult> _labs = [];
    private readonly List<MedicationRecord> _medications = [];
    private readonly List<ClinicalFact> _clinical = [];
    private readonly List<CoverageDeclaration> _coverage = [];
    private int _line = 1;

    public string PatientId { get; init; } = "P1";

    public static DateOnly DaysBefore(int days) => Screening.AddDays(-days);

    public PatientBuilder Demographics(Sex? sex = null, DateOnly? birth = null, DateOnly? consent = null, DateOnly? randomization = null, bool? childbearing = null, DateOnly? screening = null)
    {
        _demographics.Add(new Demographics
        {
            Sex = sex,
            BirthDate = birth,
            ConsentDate = consent,
            RandomizationDate = randomization,
            ChildbearingPotential = childbearing,
            ScreeningDate = screening ?? Screening,
            Source = Next(),
        });
        return this;
    }

    public PatientBuilder Woman(int age = 35, bool? childbearing = true) =>
        Demographics(Sex.Female, Screening.AddYears(-age).AddDays(-30), childbearing: childbearing);

    public PatientBuilder Man(int age = 40) => Demographics(Sex.Male, Screening.AddYears(-age).AddDays(-30));

    public PatientBuilder Lab(string testId, DateOnly date, decimal value, string unit, decimal? referenceLow = null, decimal? referenceHigh = null) =>
        AddLab(testId, date, LabValue.Of(value), unit, referenceLow, referenceHigh);

    public PatientBuilder Lab(string testId, DateOnly date, Qualitative result) => AddLab(testId, date, LabValue.Of(result), null, null, null);

    public PatientBuilder Censored(string testId, DateOnly date, string comparator, decimal value, string unit) =>
        AddLab(testId, date, LabValue.Censor(comparator, value), unit, null, null);

    public PatientBuilder Medication(string name, DateOnly start, DateOnly? end = null, decimal? dose = 100m, string? unit = "mg", string? route = "oral", string? frequency = "QD", string? code = null, string? system = null)
    {
        var match = DrugCatalog.Default.Classify(code, system, name.Length == 0 ? null : name);
        _medications.Add(new MedicationRecord
        {
            DrugName = name.Length == 0 ? code ?? name : name,
            Ingredient = match?.Ingredient?.Id,
            Classes = match?.Classes ?? [],
            Code = code,
            CodeSystem = system,
            Dose = dose,
            DoseUnit = unit,
            Route = route,
            Frequency = frequency,
            Start = start,
            End = end,
            Source = Next(),
        });
        return this;
    }

    public PatientBuilder Clinical(string type, DateOnly date, string? system, string? code, string? name = null, string? value = null, DateOnly? end = null, bool ongoing = false)
    {
        _clinical.Add(new ClinicalFact { Type = type, Date = date, CodeSystem = system, Code = code, Name = name, Value = value, End = end, Ongoing = ongoing, Source = Next() });
        return this;
    }

    public PatientBuilder Attest(string code, string value, DateOnly? date = null) =>
        Clinical(ClinicalFactTypes.Attestation, date ?? Screening, "screening", code, code, value);

    public PatientBuilder Assessment(string code, string value, DateOnly date) =>
        Clinical(ClinicalFactTypes.Assessment, date, "screening", code, code, value);

    public PatientBuilder Covered(string category, DateOnly from, DateOnly to)
    {
        _coverage.Add(new CoverageDeclaration("uploads/site-t/" + category + ".csv", [category], new DateRange(from, to), "test manifest"));
        return this;
    }

    public PatientBuilder MedicationsCovered() => Covered(RecordCategories.Medications, Screening.AddYears(-2), Screening);

    public PatientRecord Record() => new()
    {
        SiteId = "site-t",
        PatientId = PatientId,
        Demographics = _demographics.ToList(),
        Labs = _labs.ToList(),
        Medications = _medications.ToList(),
        Clinical = _clinical.ToList(),
        Coverage = _coverage.ToList(),
        Inputs = [new InputRef(Blob, new string('0', 64))],
    };

    public Verdict Verdict(DateOnly? defaultScreening = null) =>
        new ScreeningEngine(Protocol, LabCatalog.Default, DrugCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2025, 6, 2, 9, 0, 0, TimeSpan.Zero)))
            .Evaluate(Record(), new ScreeningDefaults(defaultScreening ?? Screening));

    public CriterionVerdict Criterion(string id) => Verdict().Criteria.Single(c => c.Id == id);

    public CriterionStatus Status(string id) => Criterion(id).Status;

    private PatientBuilder AddLab(string testId, DateOnly date, LabValue value, string? unit, decimal? low, decimal? high)
    {
        _labs.Add(new LabResult
        {
            TestId = testId,
            CollectedAt = Timestamp.OfDate(date),
            Value = value,
            Unit = unit,
            ReferenceLow = low,
            ReferenceHigh = high,
            Source = Next(),
        });
        return this;
    }

    private SourceRef Next() => new(Blob, ++_line);
}
