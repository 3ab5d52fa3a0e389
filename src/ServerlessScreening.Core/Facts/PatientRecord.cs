namespace ServerlessScreening.Facts;

/// <summary>One upload that contributed to an evaluation, named as in the verdict's <c>inputs</c>.</summary>
public sealed record InputRef(string Blob, string Sha256);

/// <summary>Everything the engine knows about one patient: the union of the patient's shards and the site's coverage declarations.</summary>
public sealed record PatientRecord
{
    public required string SiteId { get; init; }

    public required string PatientId { get; init; }

    public IReadOnlyList<Demographics> Demographics { get; init; } = [];

    /// <summary>
    /// The lab results. Setting them builds the record's <see cref="LabTimeline"/> from the list as it is then; like
    /// every list of this immutable record, it must not be changed afterwards.
    /// </summary>
    public IReadOnlyList<LabResult> Labs
    {
        get => LabTimeline.Results;
        init => LabTimeline = new LabTimeline(value);
    }

    /// <summary>The lab results grouped by test and ordered most recent first, for evaluation.</summary>
    internal LabTimeline LabTimeline { get; private init; } = LabTimeline.Empty;

    public IReadOnlyList<MedicationRecord> Medications { get; init; } = [];

    public IReadOnlyList<ClinicalFact> Clinical { get; init; } = [];

    public IReadOnlyList<CoverageDeclaration> Coverage { get; init; } = [];

    public IReadOnlyList<InputRef> Inputs { get; init; } = [];

    /// <summary>
    /// Merges a patient's shards, each with the input it is read under (for content that arrived under several
    /// names, the first name in ordinal order), and sorts every fact list by source and line, so the record, and
    /// every verdict computed from it, is independent of the order in which uploads arrived.
    /// </summary>
    public static PatientRecord FromShards(
        string siteId,
        string patientId,
        IEnumerable<(PatientShard Shard, InputRef Input)> shards,
        IEnumerable<CoverageDeclaration> coverage,
        IEnumerable<InputRef> inputs)
    {
        // In upload, then part order: each part lists its facts by line, and an upload's parts follow its lines, so
        // the facts arrive in source order and the sorts below only confirm it. A lone shard (a record of one upload)
        // is in that order already, as is a lone coverage declaration or input below: LINQ's sorting is spared them.
        var inUploadOrder = shards.ToArray();
        if (inUploadOrder.Length > 1)
        {
            inUploadOrder = [.. inUploadOrder.OrderBy(s => s.Input.Blob, StringComparer.Ordinal).ThenBy(s => s.Shard.Part)];
        }

        var demographics = new List<Demographics>();
        var labs = new List<LabResult>();
        var medications = new List<MedicationRecord>();
        var clinical = new List<ClinicalFact>();
        foreach (var (shard, input) in inUploadOrder)
        {
            var rename = !string.Equals(shard.Upload, input.Blob, StringComparison.Ordinal);
            demographics.AddRange(rename ? shard.Demographics.Select(f => f with { Source = f.Source with { Blob = input.Blob } }) : shard.Demographics);
            labs.AddRange(rename ? shard.Labs.Select(f => f with { Source = f.Source with { Blob = input.Blob } }) : shard.Labs);
            medications.AddRange(rename ? shard.Medications.Select(f => f with { Source = f.Source with { Blob = input.Blob } }) : shard.Medications);
            clinical.AddRange(rename ? shard.Clinical.Select(f => f with { Source = f.Source with { Blob = input.Blob } }) : shard.Clinical);
        }

        var declared = coverage.ToList();
        if (declared.Count > 1)
        {
            // Stable, so declarations of one upload starting on the same day keep their order.
            declared = [.. declared.OrderBy(c => c.Blob, StringComparer.Ordinal).ThenBy(c => c.Period.From)];
        }

        var inputList = inputs.ToList();
        if (inputList.Count > 1)
        {
            inputList = [.. inputList.Distinct().OrderBy(i => i.Blob, StringComparer.Ordinal).ThenBy(i => i.Sha256, StringComparer.Ordinal)];
        }

        return new PatientRecord
        {
            SiteId = siteId,
            PatientId = patientId,
            Demographics = Sorted(demographics, static d => d.Source),
            Labs = Sorted(labs, static l => l.Source),
            Medications = Sorted(medications, static m => m.Source),
            Clinical = Sorted(clinical, static c => c.Source),
            Coverage = declared,
            Inputs = inputList,
        };
    }

    /// <summary>
    /// The facts in source order, stable for equal sources. Usually they already are (one upload's facts are written
    /// in line order), so a pass that confirms it spares the sort; facts of one upload share its name's string, so
    /// the pass mostly compares lines.
    /// </summary>
    private static List<T> Sorted<T>(List<T> facts, Func<T, SourceRef> source)
    {
        if (facts.Count < 2)
        {
            return facts;
        }

        var previous = source(facts[0]);
        for (var i = 1; i < facts.Count; i++)
        {
            var current = source(facts[i]);
            if (ReferenceEquals(previous.Blob, current.Blob) ? previous.Line > current.Line : SourceRef.Compare(previous, current) > 0)
            {
                return facts.OrderBy(source, SourceRef.Order).ToList();
            }

            previous = current;
        }

        return facts;
    }

    /// <summary>The union of declared coverage for a category, as disjoint closed ranges (adjacent days merge).</summary>
    public IReadOnlyList<DateRange> CoverageOf(string category)
    {
        // In declaration order, then by start; declarations starting on the same day keep their order.
        var ranges = new List<(DateRange Period, int Position)>();
        foreach (var declaration in Coverage)
        {
            foreach (var declared in declaration.Categories)
            {
                if (string.Equals(declared, category, StringComparison.Ordinal))
                {
                    ranges.Add((declaration.Period, ranges.Count));
                    break;
                }
            }
        }

        ranges.Sort(static (a, b) => a.Period.From != b.Period.From ? a.Period.From.CompareTo(b.Period.From) : a.Position.CompareTo(b.Position));
        var merged = new List<DateRange>(ranges.Count);
        foreach (var (range, _) in ranges)
        {
            if (merged.Count > 0 && range.From.DayNumber <= merged[^1].To.DayNumber + 1)
            {
                var last = merged[^1];
                merged[^1] = last with { To = range.To > last.To ? range.To : last.To };
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged;
    }

    /// <summary>True when the declared coverage of a category spans every day of <paramref name="window"/>.</summary>
    public bool IsCovered(string category, DateRange window) =>
        CoverageOf(category).Any(r => r.Covers(window));
}
