using System.Buffers;
using System.Collections.Frozen;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Protocols;

/// <summary>
/// The lab tests a protocol consults, each with a slot number. Built once per protocol, so indexing a patient's
/// results skips the tests no rule reads and looks each result's test up in a table made for this small, fixed set.
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
/// One patient's results of the indexed tests, grouped by test and ordered most recent first within each test
/// (<see cref="Rules.LabQuery.MostRecentFirst"/>). Each result carries its recency (date and time as one number), so
/// windows are found and results of several tests merged without reading the results themselves.
/// </summary>
internal sealed class PatientLabs
{
    /// <summary>A result without a time of day counts as the end of its day, as in <see cref="Rules.LabQuery.MostRecentFirst"/>.</summary>
    private static readonly long EndOfDay = TimeOnly.MaxValue.Ticks;

    private readonly LabResult[] _labs;
    private readonly long[] _recency;

    /// <summary>Slot <c>s</c> holds <c>_labs[_starts[s].._starts[s + 1]]</c>.</summary>
    private readonly int[] _starts;

    public PatientLabs(IReadOnlyList<LabResult> labs, LabTestIndex index)
    {
        // Count per slot, then place each result in its slot's range (a counting sort), then order each range.
        var slotOf = ArrayPool<int>.Shared.Rent(labs.Count);
        _starts = new int[index.Count + 1];
        var indexed = 0;
        for (var i = 0; i < labs.Count; i++)
        {
            var slot = index.TryGetSlot(labs[i].TestId, out var s) ? s : -1;
            slotOf[i] = slot;
            if (slot >= 0)
            {
                _starts[slot + 1]++;
                indexed++;
            }
        }

        for (var s = 0; s < index.Count; s++)
        {
            _starts[s + 1] += _starts[s];
        }

        var entries = ArrayPool<RecentLab>.Shared.Rent(indexed);
        var next = ArrayPool<int>.Shared.Rent(index.Count);
        Array.Copy(_starts, next, index.Count);
        for (var i = 0; i < labs.Count; i++)
        {
            if (slotOf[i] >= 0)
            {
                entries[next[slotOf[i]]++] = new RecentLab(labs[i]);
            }
        }

        _labs = new LabResult[indexed];
        _recency = new long[indexed];
        for (var s = 0; s < index.Count; s++)
        {
            var range = entries.AsSpan(_starts[s], _starts[s + 1] - _starts[s]);
            range.Sort();
            for (var i = 0; i < range.Length; i++)
            {
                _labs[_starts[s] + i] = range[i].Lab;
                _recency[_starts[s] + i] = range[i].Recency;
            }
        }

        ArrayPool<int>.Shared.Return(slotOf);
        ArrayPool<int>.Shared.Return(next);
        ArrayPool<RecentLab>.Shared.Return(entries, clearArray: true);
    }

    /// <summary>The results of one slot inside a window, most recent first.</summary>
    public ReadOnlySpan<LabResult> InWindow(int slot, DateRange window, out ReadOnlySpan<long> recency)
    {
        var start = _starts[slot];
        var end = _starts[slot + 1];
        var latest = RecencyOf(window.To, TimeOnly.MaxValue.Ticks);
        var earliest = RecencyOf(window.From, 0);
        while (start < end && _recency[start] > latest)
        {
            start++;
        }

        var stop = start;
        while (stop < end && _recency[stop] >= earliest)
        {
            stop++;
        }

        recency = _recency.AsSpan(start, stop - start);
        return _labs.AsSpan(start, stop - start);
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

    public static long RecencyOf(LabResult lab) => RecencyOf(lab.CollectedAt.Date, lab.CollectedAt.Time?.Ticks ?? EndOfDay);

    private static long RecencyOf(DateOnly date, long timeTicks) => (date.DayNumber * TimeSpan.TicksPerDay) + timeTicks;

    /// <summary>
    /// A result with its recency, ordered most recent first; results collected at the same moment are ordered by
    /// source and line, exactly as <see cref="Rules.LabQuery.MostRecentFirst"/> orders them.
    /// </summary>
    internal readonly struct RecentLab(LabResult lab, long recency) : IComparable<RecentLab>
    {
        public RecentLab(LabResult lab)
            : this(lab, RecencyOf(lab))
        {
        }

        public LabResult Lab { get; } = lab;

        public long Recency { get; } = recency;

        public int CompareTo(RecentLab other) =>
            Recency != other.Recency ? other.Recency.CompareTo(Recency) : default(Rules.LabQuery.MostRecentFirstOrder).Compare(Lab, other.Lab);
    }
}
