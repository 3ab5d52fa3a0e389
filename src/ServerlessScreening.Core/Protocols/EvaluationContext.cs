using ServerlessScreening.Facts;
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

/// <summary>
/// What every rule sees: the patient's facts, the anchor dates and agreed demographics, and the vocabularies.
/// </summary>
public sealed class EvaluationContext
{
    /// <summary>A context that indexes every test the patient has results of.</summary>
    public EvaluationContext(PatientRecord patient, ScreeningDefaults defaults, LabCatalog labs, DrugCatalog drugs)
        : this(patient, defaults, labs, drugs, LabTestIndex.Of(TestsOf(patient)))
    {
    }

    /// <summary>
    /// A context that indexes only the tests in <paramref name="tests"/>, which must hold every test a rule asks for
    /// (<see cref="ScreeningEngine"/> passes the tests its protocol names).
    /// </summary>
    public EvaluationContext(PatientRecord patient, ScreeningDefaults defaults, LabCatalog labs, DrugCatalog drugs, LabTestIndex tests)
    {
        ArgumentNullException.ThrowIfNull(patient);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(tests);
        Patient = patient;
        Labs = labs;
        Drugs = drugs;
        _tests = tests;
        var demographics = patient.Demographics;
        Sex = Agree(demographics, static d => d.Sex, static d => SexText(d.Sex), "sex");
        BirthDate = Agree(demographics, static d => d.BirthDate, static d => d.BirthDate is { } b ? IsoDate.Format(b) : null, "birth_date");
        ChildbearingPotential = Agree(demographics, static d => d.ChildbearingPotential, static d => d.ChildbearingPotential is { } c ? (c ? "yes" : "no") : null, "childbearing_potential");

        // Several uploads may state a screening date; the latest stated wins, so a re-screen supersedes an earlier one.
        DateOnly? screening = null, consent = null, randomization = null;
        foreach (var row in demographics)
        {
            screening = Later(screening, row.ScreeningDate);
            consent = Later(consent, row.ConsentDate);
            randomization = Later(randomization, row.RandomizationDate);
        }

        if (screening is { } stated)
        {
            ScreeningDate = stated;
            ScreeningDateSource = "uploaded patient data";
        }
        else
        {
            (ScreeningDate, ScreeningDateSource) = defaults.For(patient.SiteId);
        }

        ConsentDate = consent ?? ScreeningDate;
        RandomizationDate = randomization ?? ScreeningDate;
        _labs = new PatientLabs(patient.LabTimeline, tests);
    }

    private readonly LabTestIndex _tests;
    private readonly PatientLabs _labs;
    private List<(string Category, IReadOnlyList<DateRange> Ranges)>? _coverage;

    public PatientRecord Patient { get; }

    /// <summary>The patient's results of one test, most recent first (<see cref="Rules.LabQuery.MostRecentFirst"/>).</summary>
    public ReadOnlySpan<LabResult> LabsOf(string testId) => LabsOf(testId, new DateRange(DateOnly.MinValue, DateOnly.MaxValue));

    /// <summary>The patient's results of one test inside a window, most recent first.</summary>
    public ReadOnlySpan<LabResult> LabsOf(string testId, DateRange window) =>
        _tests.TryGetSlot(testId, out var slot) ? _labs.InWindow(slot, window, out _) : [];

    /// <summary>
    /// The patient's results of several tests inside a window, most recent first across the tests. A test listed
    /// twice contributes its results twice.
    /// </summary>
    public ReadOnlySpan<LabResult> LabsOf(IReadOnlyList<string> testIds, DateRange window)
    {
        ArgumentNullException.ThrowIfNull(testIds);
        if (testIds.Count == 1)
        {
            return LabsOf(testIds[0], window);
        }

        Span<int> slots = testIds.Count <= 16 ? stackalloc int[testIds.Count] : new int[testIds.Count];
        var known = 0;
        foreach (var testId in testIds)
        {
            if (_tests.TryGetSlot(testId, out var slot))
            {
                slots[known++] = slot;
            }
        }

        return _labs.InWindow(slots[..known], window);
    }

    /// <summary>The patient's declared coverage of a category (<see cref="PatientRecord.CoverageOf"/>), worked out once per evaluation.</summary>
    public IReadOnlyList<DateRange> CoverageOf(string category)
    {
        _coverage ??= [];
        foreach (var (known, ranges) in _coverage)
        {
            if (string.Equals(known, category, StringComparison.Ordinal))
            {
                return ranges;
            }
        }

        var merged = Patient.CoverageOf(category);
        _coverage.Add((category, merged));
        return merged;
    }

    /// <summary>True when the declared coverage of a category spans every day of <paramref name="window"/> (<see cref="PatientRecord.IsCovered"/>).</summary>
    public bool IsCovered(string category, DateRange window)
    {
        foreach (var range in CoverageOf(category))
        {
            if (range.Covers(window))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Evidence for an absence that counts because coverage of <paramref name="categories"/> spans
    /// <paramref name="window"/>: every declaration of those categories whose period meets the window, in declaration order.
    /// </summary>
    public List<Evidence> CoverageEvidence(IEnumerable<string> categories, DateRange window)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var evidence = new List<Evidence>();
        foreach (var category in categories)
        {
            foreach (var declaration in Patient.Coverage)
            {
                if (declaration.Period.Overlaps(window.From, window.To) && declaration.Categories.Contains(category, StringComparer.Ordinal))
                {
                    evidence.Add(EvidenceOf.Coverage(declaration, category));
                }
            }
        }

        return evidence;
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

    private static IEnumerable<string> TestsOf(PatientRecord patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var timeline = patient.LabTimeline;
        for (var test = 0; test < timeline.TestCount; test++)
        {
            yield return timeline.TestId(test);
        }
    }

    /// <summary>A sex as verdicts write it: its name in lower case.</summary>
    internal static string? SexText(Sex? sex) => sex switch
    {
        Facts.Sex.Female => "female",
        Facts.Sex.Male => "male",
        _ => sex?.ToString().ToLowerInvariant(),
    };

    private static DateOnly? Later(DateOnly? current, DateOnly? stated) =>
        stated is { } date && (current is null || date > current.Value) ? date : current;

    /// <summary>The first row that states the field gives the value and evidence; any row stating another value is a contradiction.</summary>
    private static Agreed<T> Agree<T>(IReadOnlyList<Demographics> rows, Func<Demographics, T?> field, Func<Demographics, string?> text, string name)
        where T : struct
    {
        Demographics? first = null;
        Demographics? different = null;
        foreach (var row in rows)
        {
            if (field(row) is not { } value)
            {
                continue;
            }

            if (first is null)
            {
                first = row;
            }
            else if (!EqualityComparer<T>.Default.Equals(value, field(first)!.Value))
            {
                different = row;
                break;
            }
        }

        if (first is null)
        {
            return new Agreed<T>(null, null, null);
        }

        var evidence = EvidenceOf.Demographics(first, name, text(first));
        if (different is null)
        {
            return new Agreed<T>(field(first), evidence, null);
        }

        var contradiction = $"{name} is contradictory: {text(first)} ({first.Source.Blob} line {first.Source.Line}) vs {text(different)} ({different.Source.Blob} line {different.Source.Line})";
        return new Agreed<T>(field(first), evidence, contradiction);
    }
}
