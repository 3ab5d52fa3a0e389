using System.Runtime.InteropServices;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Protocols;

public static class Anchors
{
    public const string Screening = "screening";
    public const string Consent = "consent";
    public const string Randomization = "randomization";

    public static readonly IReadOnlyList<string> All = [Screening, Consent, Randomization];
}

/// <summary>A fact about the patient that several rows may state: the agreed value with the row that says it, or the contradiction.</summary>
public sealed record Agreed<T>(T? Value, Evidence? Evidence, string? Contradiction)
    where T : struct
{
    public bool Known => Value is not null && Contradiction is null;
}

/// <summary>The screening date when the patient's data carries none: a site's own default, else the deployment's.</summary>
public sealed record ScreeningDefaults(DateOnly DeploymentDefault, IReadOnlyDictionary<string, DateOnly>? SiteDefaults = null)
{
    public (DateOnly Date, string Source) For(string siteId) =>
        SiteDefaults is not null && SiteDefaults.TryGetValue(siteId, out var date)
            ? (date, "site profile default")
            : (DeploymentDefault, "deployment default");
}

/// <summary>What every rule sees: the patient's facts, the anchor dates and agreed demographics, and the vocabularies.</summary>
public sealed class EvaluationContext
{
    public EvaluationContext(PatientRecord patient, ScreeningDefaults defaults, LabCatalog labs, DrugCatalog drugs)
    {
        ArgumentNullException.ThrowIfNull(patient);
        ArgumentNullException.ThrowIfNull(defaults);
        Patient = patient;
        Labs = labs;
        Drugs = drugs;
        Sex = Agree(patient.Demographics, d => d.Sex, d => d.Sex?.ToString().ToLowerInvariant(), "sex");
        BirthDate = Agree(patient.Demographics, d => d.BirthDate, d => d.BirthDate is { } b ? IsoDates.Format(b) : null, "birth_date");
        ChildbearingPotential = Agree(patient.Demographics, d => d.ChildbearingPotential, d => d.ChildbearingPotential is { } c ? (c ? "yes" : "no") : null, "childbearing_potential");

        // Several uploads may state a screening date; the latest stated wins, so a re-screen supersedes an earlier one.
        var screening = patient.Demographics.Where(d => d.ScreeningDate is not null).OrderByDescending(d => d.ScreeningDate).FirstOrDefault();
        if (screening is not null)
        {
            ScreeningDate = screening.ScreeningDate!.Value;
            ScreeningDateSource = "uploaded patient data";
        }
        else
        {
            (ScreeningDate, ScreeningDateSource) = defaults.For(patient.SiteId);
        }

        // One dictionary look-up per result: test ids are strings, and hashing them is most of the cost of the index.
        _labsByTest = new Dictionary<string, List<LabResult>>(StringComparer.Ordinal);
        foreach (var lab in patient.Labs)
        {
            ref var ofTest = ref CollectionsMarshal.GetValueRefOrAddDefault(_labsByTest, lab.TestId, out _);
            (ofTest ??= []).Add(lab);
        }

        ConsentDate = patient.Demographics.Where(d => d.ConsentDate is not null).Select(d => d.ConsentDate!.Value).DefaultIfEmpty(ScreeningDate).Max();
        RandomizationDate = patient.Demographics.Where(d => d.RandomizationDate is not null).Select(d => d.RandomizationDate!.Value).DefaultIfEmpty(ScreeningDate).Max();
    }

    private readonly Dictionary<string, List<LabResult>> _labsByTest;
    private readonly HashSet<string> _sorted = new(StringComparer.Ordinal);

    public PatientRecord Patient { get; }

    /// <summary>
    /// The patient's results of one test, most recent first (<see cref="Rules.LabQuery.MostRecentFirst"/>). Indexed once
    /// per evaluation and sorted on first use, because many rules ask for the same tests.
    /// </summary>
    public IReadOnlyList<LabResult> LabsOf(string testId)
    {
        if (!_labsByTest.TryGetValue(testId, out var labs))
        {
            return [];
        }

        if (_sorted.Add(testId))
        {
            CollectionsMarshal.AsSpan(labs).Sort(default(Rules.LabQuery.MostRecentFirstOrder));
        }

        return labs;
    }

    public LabCatalog Labs { get; }

    public DrugCatalog Drugs { get; }

    public DateOnly ScreeningDate { get; }

    public string ScreeningDateSource { get; }

    public DateOnly ConsentDate { get; }

    public DateOnly RandomizationDate { get; }

    public Agreed<Sex> Sex { get; }

    public Agreed<DateOnly> BirthDate { get; }

    public Agreed<bool> ChildbearingPotential { get; }

    public DateOnly Anchor(string anchor) => anchor switch
    {
        Anchors.Screening => ScreeningDate,
        Anchors.Consent => ConsentDate,
        Anchors.Randomization => RandomizationDate,
        _ => throw new ArgumentOutOfRangeException(nameof(anchor), anchor, "not an anchor date"),
    };

    /// <summary>Completed years at <paramref name="date"/>; a 29 February birthday falls on 28 February in other years.</summary>
    public static int CompletedYears(DateOnly birth, DateOnly date)
    {
        var years = date.Year - birth.Year;
        if (birth.AddYears(years) > date)
        {
            years--;
        }

        return years;
    }

    private static Agreed<T> Agree<T>(IEnumerable<Demographics> rows, Func<Demographics, T?> field, Func<Demographics, string?> text, string name)
        where T : struct
    {
        var stated = rows.Where(r => field(r) is not null).ToList();
        if (stated.Count == 0)
        {
            return new Agreed<T>(null, null, null);
        }

        var first = stated[0];
        var evidence = EvidenceOf.Demographics(first, name, text(first));
        var different = stated.FirstOrDefault(r => !EqualityComparer<T?>.Default.Equals(field(r), field(first)));
        if (different is null)
        {
            return new Agreed<T>(field(first), evidence, null);
        }

        var contradiction = $"{name} is contradictory: {text(first)} ({first.Source.Blob} line {first.Source.Line}) vs {text(different)} ({different.Source.Blob} line {different.Source.Line})";
        return new Agreed<T>(field(first), evidence, contradiction);
    }
}
