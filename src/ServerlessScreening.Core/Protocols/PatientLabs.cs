using System.Collections.Frozen;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Protocols;

/// <summary>
/// The lab tests a protocol consults, each with a slot number. Built once per protocol, so indexing a patient's
/// results skips the tests no rule reads and looks each of the patient's tests up in a table made for this small,
/// fixed set.
/// </summary>
public sealed class LabTestIndex
{
    private readonly FrozenDictionary<string, int> _slots;

    private LabTestIndex(FrozenDictionary<string, int> slots) => _slots = slots;

    public int Count => _slots.Count;

    public static LabTestIndex Of(IEnumerable<string> tests)
    {
        ArgumentNullException.ThrowIfNull(tests);
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var test in tests)
        {
            slots.TryAdd(test, slots.Count);
        }

        return new LabTestIndex(slots.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public bool TryGetSlot(string testId, out int slot) => _slots.TryGetValue(testId, out slot);
}

/// <summary>
/// One patient's results of the indexed tests, by slot, most recent first within each slot
/// (<see cref="Rules.LabQuery.MostRecentFirst"/>): a view of the record's <see cref="LabTimeline"/>, which grouped
/// and ordered the results when the record was built. Each result carries its recency (date and time as one number),
/// so windows are found and results of several tests merged without reading the results themselves.
/// </summary>
internal sealed class PatientLabs
{
    private readonly LabTimeline _timeline;

    /// <summary>Slot <c>s</c> holds <c>_timeline.Ordered[_ranges[s]]</c>; a slot the patient has no results of holds an empty range.</summary>
    private readonly Range[] _ranges;

    public PatientLabs(LabTimeline timeline, LabTestIndex index)
    {
        // One look-up per distinct test of the patient (a few dozen), not one per result.
        _timeline = timeline;
        _ranges = new Range[index.Count];
        for (var test = 0; test < timeline.TestCount; test++)
        {
            if (index.TryGetSlot(timeline.TestId(test), out var slot))
            {
                _ranges[slot] = timeline.RangeOf(test);
            }
        }
    }

    /// <summary>The results of one slot inside a window, most recent first.</summary>
    public ReadOnlySpan<LabResult> InWindow(int slot, DateRange window, out ReadOnlySpan<long> recency)
    {
        var start = _ranges[slot].Start.Value;
        var end = _ranges[slot].End.Value;
        var all = _timeline.Recency;
        var latest = LabTimeline.RecencyOf(window.To, LabTimeline.EndOfDay);
        var earliest = LabTimeline.RecencyOf(window.From, 0);
        while (start < end && all[start] > latest)
        {
            start++;
        }

        var stop = start;
        while (stop < end && all[stop] >= earliest)
        {
            stop++;
        }

        recency = all[start..stop];
        return _timeline.Ordered[start..stop];
    }

    /// <summary>The results of several slots inside a window, merged most recent first.</summary>
    public ReadOnlySpan<LabResult> InWindow(scoped ReadOnlySpan<int> slots, DateRange window)
    {
        var total = 0;
        var nonEmpty = 0;
        var only = ReadOnlySpan<LabResult>.Empty;
        foreach (var slot in slots)
        {
            var labs = InWindow(slot, window, out _);
            total += labs.Length;
            if (labs.Length > 0)
            {
                nonEmpty++;
                only = labs;
            }
        }

        if (nonEmpty <= 1)
        {
            return only;
        }

        var merged = new RecentLab[total];
        var at = 0;
        foreach (var slot in slots)
        {
            var labs = InWindow(slot, window, out var recency);
            for (var i = 0; i < labs.Length; i++)
            {
                merged[at++] = new RecentLab(labs[i], recency[i]);
            }
        }

        merged.AsSpan().Sort();
        var result = new LabResult[total];
        for (var i = 0; i < total; i++)
        {
            result[i] = merged[i].Lab;
        }

        return result;
    }

    /// <summary>
    /// A result with its recency, ordered most recent first; results collected at the same moment are ordered by
    /// source and line, exactly as <see cref="Rules.LabQuery.MostRecentFirst"/> orders them.
    /// </summary>
    internal readonly struct RecentLab(LabResult lab, long recency) : IComparable<RecentLab>
    {
        public LabResult Lab { get; } = lab;

        public long Recency { get; } = recency;

        public int CompareTo(RecentLab other) =>
            Recency != other.Recency ? other.Recency.CompareTo(Recency) : default(Rules.LabQuery.MostRecentFirstOrder).Compare(Lab, other.Lab);
    }
}
