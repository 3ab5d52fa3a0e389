using System.Globalization;
using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>
/// Stable dosing of a class of drugs through a window. Records of one ingredient with the same dose, unit and
/// frequency that follow each other without a gap form one course (a refill is not a start). A course that starts
/// or stops inside the window, a change of dose between courses inside it, or a single administration inside it
/// (a pulse) is unstable: fail. Every course through the whole window at a known, constant dose: pass, provided the
/// declared medication coverage spans the window (absence of other changes is evidence only there). A course in the
/// window without a dose: unknown.
/// </summary>
public sealed record DoseStabilityRule : Rule
{
    public required string Label { get; init; }

    public required DrugSelector Drugs { get; init; }

    public required WindowSpec Window { get; init; }

    public override RuleResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var window = Window.Resolve(context);
        // Only drugs taken in the window matter, but their earlier records decide whether a record in it is a refill.
        var selected = context.Patient.Medications.Where(m => Drugs.Matches(m.Classes, m.Ingredient, m.Route)).ToList();
        var inWindow = selected.Where(m => window.Overlaps(m.Start, m.End)).Select(IngredientKey).ToHashSet(StringComparer.Ordinal);
        var byIngredient = selected
            .Where(m => inWindow.Contains(IngredientKey(m)))
            .GroupBy(IngredientKey, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);

        var unstable = new List<(string Text, MedicationRecord Record)>();
        var noDose = new List<MedicationRecord>();
        var stable = new List<MedicationRecord>();
        foreach (var ingredient in byIngredient)
        {
            var courses = Courses(ingredient);
            Course? previous = null;
            foreach (var course in courses)
            {
                if (!window.Overlaps(course.Start, course.End))
                {
                    previous = course;
                    continue;
                }

                var name = course.First.DrugName;
                if (course.Start >= window.From)
                {
                    var changed = previous is not null && previous.End is { } end && end.AddDays(1) >= course.Start && previous.Signature != course.Signature;
                    var what = course.End == course.Start
                        ? $"{name} single administration (pulse) on {course.Start:yyyy-MM-dd}"
                        : changed
                            ? $"{name} dose changed from {previous!.Signature} to {course.Signature} on {course.Start:yyyy-MM-dd}"
                            : $"{name} started on {course.Start:yyyy-MM-dd}";
                    unstable.Add((what, course.First));
                }
                else if (course.End is { } stop && stop <= window.To)
                {
                    unstable.Add(($"{name} stopped on {stop:yyyy-MM-dd}", course.Last));
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
            return new RuleResult(
                CriterionStatus.Fail,
                $"unstable {Label} {Window.Describe(context)}: {string.Join("; ", unstable.Take(5).Select(u => u.Text))}",
                unstable.Select(u => EvidenceOf.Medication(u.Record)).ToList());
        }

        if (noDose.Count > 0)
        {
            return new RuleResult(
                CriterionStatus.Unknown,
                $"{string.Join(", ", noDose.Select(m => m.DrugName).Distinct(StringComparer.Ordinal))} taken {Window.Describe(context)} without a recorded dose, so stability cannot be judged",
                noDose.Select(m => EvidenceOf.Medication(m)).ToList(),
                "dose and dose unit on the medication rows");
        }

        if (!context.Patient.IsCovered(RecordCategories.Medications, window))
        {
            return new RuleResult(
                CriterionStatus.Unknown,
                $"no start, stop or dose change of {Label} found, but the declared medication coverage ({MedicationRule.Describe(context.Patient.CoverageOf(RecordCategories.Medications))}) does not span {Window.Describe(context)}",
                stable.Select(m => EvidenceOf.Medication(m, "constant dose through the window")).ToList(),
                $"a medications upload whose declared coverage (manifest) spans {window}");
        }

        return stable.Count == 0
            ? new RuleResult(CriterionStatus.Pass, $"no {Label} {Window.Describe(context)}", [])
            : new RuleResult(CriterionStatus.Pass, $"{Label} at a constant dose through {Window.Describe(context)}", stable.Select(m => EvidenceOf.Medication(m, "constant dose through the window")).ToList());
    }

    public override IEnumerable<string> CoverageCategories() => [RecordCategories.Medications];

    private static string IngredientKey(MedicationRecord record) => record.Ingredient ?? Text.Keys.CachedName(record.DrugName);

    private static List<Course> Courses(IEnumerable<MedicationRecord> records)
    {
        var courses = new List<Course>();
        foreach (var record in records.OrderBy(r => r.Start).ThenBy(r => r.Source.Blob, StringComparer.Ordinal).ThenBy(r => r.Source.Line))
        {
            var signature = Signature(record);
            var last = courses.Count > 0 ? courses[^1] : null;
            if (last is not null && last.Signature == signature && (last.End is null || record.Start <= last.End.Value.AddDays(1)) && record.End != record.Start)
            {
                last.Extend(record);
            }
            else
            {
                courses.Add(new Course(record, signature));
            }
        }

        return courses;
    }

    private static string Signature(MedicationRecord record) =>
        string.Join(" ", new[]
        {
            record.Dose?.ToString("0.####", CultureInfo.InvariantCulture) ?? "?",
            record.DoseUnit?.Trim().ToLowerInvariant(),
            record.Frequency?.Trim().ToLowerInvariant(),
        }.Where(s => !string.IsNullOrEmpty(s)));

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
    }

    private sealed class Course(MedicationRecord first, string signature)
    {
        public MedicationRecord First { get; } = first;

        public MedicationRecord Last { get; private set; } = first;

        public string Signature { get; } = signature;

        public DateOnly Start => First.Start;

        public DateOnly? End { get; private set; } = first.End;

        public void Extend(MedicationRecord record)
        {
            Last = record;
            End = End is null || record.End is null ? null : (record.End > End ? record.End : End);
        }
    }
}
