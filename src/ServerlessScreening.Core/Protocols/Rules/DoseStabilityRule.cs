using System.Globalization;
using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>
/// Stable dosing of a class of drugs through a window. Records of one ingredient with the same dose, unit and
/// frequency that follow each other without a gap form one course (a refill is not a start). A course that starts
/// or stops inside the window, a change of dose between courses inside it, or a single administration inside it
/// (a pulse) is unstable: fail. So is any course of a drug given as pulse therapy (<see cref="Pulses"/>, e.g.
/// intravenous cyclophosphamide) that overlaps the window, as a regimen of pulses gives them inside it. Every course through the whole window at a known, constant dose: pass, provided the
/// declared medication coverage spans the window (absence of other changes is evidence only there). A course in the
/// window without a dose: unknown.
/// </summary>
public sealed record DoseStabilityRule : Rule
{
    public required string Label { get; init; }

    public required DrugSelector Drugs { get; init; }

    public required WindowSpec Window { get; init; }

    /// <summary>
    /// The selected drugs that are given as pulse therapy (by ingredient or class, and route): a course of them that
    /// overlaps the window is unstable even at a constant dose, since its pulses fall inside the window.
    /// </summary>
    public DrugSelector? Pulses { get; init; }

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var window = Window.Resolve(context);
        var unstable = new List<Change>();
        var noDose = new List<MedicationRecord>();
        var stable = new List<MedicationRecord>();
        foreach (var records in IngredientsTakenIn(context.Patient.Medications, window))
        {
            Course? previous = null;
            foreach (var course in Courses(records))
            {
                if (!window.Overlaps(course.Start, course.End))
                {
                    previous = course;
                    continue;
                }

                if (course.End != course.Start && IsPulseTherapy(course))
                {
                    unstable.Add(new Change(ChangeKind.PulseTherapy, course.First, course.Start, null, null) { End = course.End, Route = course.First.Route });
                }
                else if (course.Start >= window.From)
                {
                    var changed = previous is not null && previous.End is { } end && end.AddDays(1) >= course.Start && !SameSignature(previous.First, course.First);
                    var kind = course.End == course.Start ? ChangeKind.Pulse : changed ? ChangeKind.DoseChanged : ChangeKind.Started;
                    unstable.Add(changed
                        ? new Change(kind, course.First, course.Start, Signature(previous!.First), Signature(course.First))
                        : new Change(kind, course.First, course.Start, null, null));
                }
                else if (course.End is { } stop && stop <= window.To)
                {
                    unstable.Add(new Change(ChangeKind.Stopped, course.Last, stop, null, null) { Name = course.First.DrugName });
                }
                else if (course.First.Dose is null)
                {
                    noDose.Add(course.First);
                }
                else
                {
                    stable.Add(course.Last);
                }

                previous = course;
            }
        }

        if (unstable.Count > 0)
        {
            // The reason names the first five changes; the evidence lists every one.
            var shown = unstable.Count > 5 ? unstable.GetRange(0, 5) : unstable;
            return new RuleResult(
                CriterionStatus.Fail,
                $"unstable {Label} {Window.Text(context)}: {string.Join("; ", shown.ConvertAll(c => c.Describe()))}",
                unstable.ConvertAll(c => EvidenceOf.Medication(c.Record)));
        }

        if (noDose.Count > 0)
        {
            var names = new List<string>();
            foreach (var record in noDose)
            {
                if (!names.Contains(record.DrugName))
                {
                    names.Add(record.DrugName);
                }
            }

            return new RuleResult(
                CriterionStatus.Unknown,
                $"{string.Join(", ", names)} taken {Window.Text(context)} without a recorded dose, so stability cannot be judged",
                noDose.ConvertAll(m => EvidenceOf.Medication(m)),
                "dose and dose unit on the medication rows");
        }

        if (!context.IsCovered(RecordCategories.Medications, window))
        {
            return new RuleResult(
                CriterionStatus.Unknown,
                $"no start, stop or dose change of {Label} found, but the declared medication coverage ({MedicationRule.Describe(context.CoverageOf(RecordCategories.Medications))}) does not span {Window.Text(context)}",
                stable.ConvertAll(m => EvidenceOf.Medication(m, "constant dose through the window")),
                $"a medications upload whose declared coverage (manifest) spans {window}");
        }

        // The pass rests on the coverage as well as on the courses: no start, stop or change is evidence only there.
        var evidence = stable.ConvertAll(m => EvidenceOf.Medication(m, "constant dose through the window"));
        evidence.AddRange(context.CoverageEvidence([RecordCategories.Medications], window));
        return stable.Count == 0
            ? new RuleResult(CriterionStatus.Pass, $"no {Label} {Window.Text(context)}", evidence)
            : new RuleResult(CriterionStatus.Pass, $"{Label} at a constant dose through {Window.Text(context)}", evidence);
    }

    public override IEnumerable<string> CoverageCategories() => [RecordCategories.Medications];

    private bool IsPulseTherapy(Course course) =>
        Pulses is not null
        && (Pulses.Matches(course.First.Classes, course.First.Ingredient, course.First.Route)
            || Pulses.Matches(course.Last.Classes, course.Last.Ingredient, course.Last.Route));

    /// <summary>
    /// The selected drugs' records, one list per ingredient with a record overlapping the window, ingredients in
    /// ordinal order, each list in the order of the patient's record. Only drugs taken in the window matter, but their
    /// earlier records decide whether a record in it is a refill.
    /// </summary>
    private List<List<MedicationRecord>> IngredientsTakenIn(IReadOnlyList<MedicationRecord> medications, DateRange window)
    {
        var selected = new List<(string Ingredient, MedicationRecord Record)>();
        var taken = new List<string>();
        foreach (var record in medications)
        {
            if (!Drugs.Matches(record.Classes, record.Ingredient, record.Route))
            {
                continue;
            }

            var ingredient = IngredientKey(record);
            selected.Add((ingredient, record));
            if (window.Overlaps(record.Start, record.End) && !taken.Contains(ingredient))
            {
                taken.Add(ingredient);
            }
        }

        taken.Sort(StringComparer.Ordinal);
        var byIngredient = new List<List<MedicationRecord>>(taken.Count);
        foreach (var ingredient in taken)
        {
            var records = new List<MedicationRecord>();
            foreach (var (key, record) in selected)
            {
                if (string.Equals(key, ingredient, StringComparison.Ordinal))
                {
                    records.Add(record);
                }
            }

            byIngredient.Add(records);
        }

        return byIngredient;
    }

    private static string IngredientKey(MedicationRecord record) => record.Ingredient ?? Text.Keys.CachedName(record.DrugName);

    /// <summary>
    /// Records ordered by start, then source and line (the record's order among equal ones), joined into courses:
    /// a record continues the last course when it has the same signature, starts no later than the day after that
    /// course ends, and is not a single administration.
    /// </summary>
    private static List<Course> Courses(List<MedicationRecord> records)
    {
        var keyed = new (MedicationRecord Record, int Position)[records.Count];
        for (var i = 0; i < keyed.Length; i++)
        {
            keyed[i] = (records[i], i);
        }

        Array.Sort(keyed, static (a, b) =>
        {
            var order = a.Record.Start.CompareTo(b.Record.Start);
            if (order == 0)
            {
                order = SourceRef.Compare(a.Record.Source, b.Record.Source);
            }

            return order != 0 ? order : a.Position.CompareTo(b.Position);
        });

        var courses = new List<Course>();
        foreach (var (record, _) in keyed)
        {
            var last = courses.Count > 0 ? courses[^1] : null;
            if (last is not null && (last.End is null || record.Start <= last.End.Value.AddDays(1)) && record.End != record.Start
                && SameSignature(last.First, record))
            {
                last.Extend(record);
            }
            else
            {
                courses.Add(new Course(record));
            }
        }

        return courses;
    }

    /// <summary>
    /// Whether two records give the same dosing: the same dose, in milligrams when both units are mass units
    /// (<c>1 g</c> is <c>1000 mg</c>), otherwise the same number and unit as written up to case and surrounding white
    /// space; and the same frequency, as a rate when both are frequencies the dosing vocabulary knows (<c>BID</c> is
    /// <c>twice daily</c> and <c>2/1d</c>), otherwise as written. A refill that restates a dose differently is not a change.
    /// </summary>
    private static bool SameSignature(MedicationRecord a, MedicationRecord b) => SameDose(a, b) && SameFrequency(a.Frequency, b.Frequency);

    private static bool SameDose(MedicationRecord a, MedicationRecord b)
    {
        if (a.Dose is not { } x || b.Dose is not { } y)
        {
            return a.Dose is null && b.Dose is null && SameText(a.DoseUnit, b.DoseUnit);
        }

        if (Dosing.Default.InMilligrams(x, a.DoseUnit) is { } xMilligrams && Dosing.Default.InMilligrams(y, b.DoseUnit) is { } yMilligrams)
        {
            return xMilligrams == yMilligrams;
        }

        return x == y && SameText(a.DoseUnit, b.DoseUnit);
    }

    private static bool SameFrequency(string? a, string? b) =>
        Dosing.Default.RateOf(a) is { } x && Dosing.Default.RateOf(b) is { } y
            ? string.Equals(x, y, StringComparison.Ordinal)
            : SameText(a, b);

    private static bool SameText(string? a, string? b) => a.AsSpan().Trim().Equals(b.AsSpan().Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>Dose, unit and frequency as one text, e.g. <c>500 mg bid</c>; an unknown dose reads <c>?</c>, missing unit or frequency are left out.</summary>
    private static string Signature(MedicationRecord record)
    {
        var dose = record.Dose?.ToString("0.####", CultureInfo.InvariantCulture) ?? "?";
        var unit = record.DoseUnit?.Trim().ToLowerInvariant();
        var frequency = record.Frequency?.Trim().ToLowerInvariant();
        return (string.IsNullOrEmpty(unit), string.IsNullOrEmpty(frequency)) switch
        {
            (true, true) => dose,
            (false, true) => $"{dose} {unit}",
            (true, false) => $"{dose} {frequency}",
            _ => $"{dose} {unit} {frequency}",
        };
    }

    public override IEnumerable<string> Lint(LintContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var where = $"doseStability '{Label}'";
        if (Drugs.Classes.Count == 0 && Drugs.Ingredients.Count == 0)
        {
            yield return $"{where}: no classes or ingredients";
        }

        foreach (var problem in context.UnknownClasses(Drugs.Classes.Concat(Drugs.ExcludeClasses), where).Concat(LintWindow(Window, where)))
        {
            yield return problem;
        }

        if (Window.DaysBefore is null)
        {
            yield return $"{where}: dose stability needs a bounded window";
        }

        if (Pulses is not null)
        {
            if (Pulses.Classes.Count == 0 && Pulses.Ingredients.Count == 0)
            {
                yield return $"{where}: pulses name no classes or ingredients";
            }

            foreach (var problem in context.UnknownClasses(Pulses.Classes.Concat(Pulses.ExcludeClasses), where + " pulses"))
            {
                yield return problem;
            }
        }
    }

    private enum ChangeKind
    {
        Pulse,
        PulseTherapy,
        DoseChanged,
        Started,
        Stopped,
    }

    /// <summary>A start, stop, dose change or pulse inside the window, with the record that shows it; described only if the reason names it.</summary>
    private readonly record struct Change(ChangeKind Kind, MedicationRecord Record, DateOnly Date, string? From, string? To)
    {
        public string Name { get; init; } = Record.DrugName;

        /// <summary>For pulse therapy: the course's end, null while it goes on, and the route it is given by.</summary>
        public DateOnly? End { get; init; }

        public string? Route { get; init; }

        public string Describe() => Kind switch
        {
            ChangeKind.Pulse => $"{Name} single administration (pulse) on {Date:yyyy-MM-dd}",
            ChangeKind.PulseTherapy => $"{Name} pulse therapy ({Route}) from {Date:yyyy-MM-dd}{(End is { } end ? $" to {end:yyyy-MM-dd}" : ", ongoing")}, so pulses fall inside the window",
            ChangeKind.DoseChanged => $"{Name} dose changed from {From} to {To} on {Date:yyyy-MM-dd}",
            ChangeKind.Started => $"{Name} started on {Date:yyyy-MM-dd}",
            _ => $"{Name} stopped on {Date:yyyy-MM-dd}",
        };
    }

    /// <summary>Records of one ingredient at one signature (the first record's) that follow each other.</summary>
    private sealed class Course(MedicationRecord first)
    {
        public MedicationRecord First { get; } = first;

        public MedicationRecord Last { get; private set; } = first;

        public DateOnly Start => First.Start;

        public DateOnly? End { get; private set; } = first.End;

        public void Extend(MedicationRecord record)
        {
            Last = record;
            End = End is null || record.End is null ? null : (record.End > End ? record.End : End);
        }
    }
}
