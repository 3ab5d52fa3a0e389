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
internal sealed class PatientLabs : IDisposable
{
    /// <summary>A result without a time of day counts as the end of its day, as in <see cref="Rules.LabQuery.MostRecentFirst"/>.</summary>
    private static readonly long EndOfDay = TimeOnly.MaxValue.Ticks;

    // Rented from the shared pools (an evaluation needs them only while it runs) and returned by Dispose.
    private readonly LabResult[] _labs;
    private readonly long[] _recency;

    /// <summary>Slot <c>s</c> holds <c>_labs[_starts[s].._starts[s + 1]]</c>, for <c>s</c> below <see cref="_slots"/>.</summary>
    private readonly int[] _starts;
    private readonly int _slots;
    private bool _disposed;

    public PatientLabs(IReadOnlyList<LabResult> labs, LabTestIndex index)
    {
        // One pass reads each result's test and time; a counting sort then groups the indexed results by slot, in
        // the patient's order, and each group is ordered by recency. Sorting positions rather than results moves no
        // object references, which keeps the sort cheap.
        var count = labs.Count;
        var slotOf = ArrayPool<int>.Shared.Rent(count);
        var recencyOf = ArrayPool<long>.Shared.Rent(count);
        _slots = index.Count;
        _starts = ArrayPool<int>.Shared.Rent(_slots + 1);
        _starts.AsSpan(0, _slots + 1).Clear();
        var indexed = 0;
        for (var i = 0; i < count; i++)
        {
            var lab = labs[i];
            if (index.TryGetSlot(lab.TestId, out var slot))
            {
                slotOf[i] = slot;
                recencyOf[i] = RecencyOf(lab);
                _starts[slot + 1]++;
                indexed++;
            }
            else
            {
                slotOf[i] = -1;
            }
        }

        for (var s = 0; s < index.Count; s++)
        {
            _starts[s + 1] += _starts[s];
        }

        var next = ArrayPool<int>.Shared.Rent(index.Count);
        Array.Copy(_starts, next, index.Count);
        var order = ArrayPool<Position>.Shared.Rent(indexed);
        for (var i = 0; i < count; i++)
        {
            if (slotOf[i] >= 0)
            {
                order[next[slotOf[i]]++] = new Position(recencyOf[i], i);
            }
        }

        _labs = ArrayPool<LabResult>.Shared.Rent(indexed);
        _recency = ArrayPool<long>.Shared.Rent(indexed);
        for (var s = 0; s < index.Count; s++)
        {
            order.AsSpan(_starts[s], _starts[s + 1] - _starts[s]).Sort();
        }

        for (var k = 0; k < indexed; k++)
        {
            _labs[k] = labs[order[k].Index];
            _recency[k] = order[k].Recency;
        }

        OrderSameMomentResults();
        ArrayPool<int>.Shared.Return(slotOf);
        ArrayPool<long>.Shared.Return(recencyOf);
        ArrayPool<int>.Shared.Return(next);
        ArrayPool<Position>.Shared.Return(order);
    }

    /// <summary>
    /// Results of one test collected at the same moment are ordered by source and line, as
    /// <see cref="Rules.LabQuery.MostRecentFirst"/> orders them (an insertion sort: such runs are short and rare).
    /// </summary>
    private void OrderSameMomentResults()
    {
        var comparer = default(Rules.LabQuery.MostRecentFirstOrder);
        for (var s = 0; s < _slots; s++)
        {
            for (var k = _starts[s] + 1; k < _starts[s + 1]; k++)
            {
                var lab = _labs[k];
                var j = k - 1;
                while (j >= _starts[s] && _recency[j] == _recency[k] && comparer.Compare(lab, _labs[j]) < 0)
                {
                    _labs[j + 1] = _labs[j];
                    j--;
                }

                _labs[j + 1] = lab;
            }
        }
    }

    public void Dispose()
    {
        // Returning a buffer twice would hand it to two renters.
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Only the part in use holds references; clearing it keeps pooled buffers from holding results alive.
        Array.Clear(_labs, 0, _starts[_slots]);
        ArrayPool<LabResult>.Shared.Return(_labs);
        ArrayPool<long>.Shared.Return(_recency);
        ArrayPool<int>.Shared.Return(_starts);
    }

    /// <summary>The results of one slot inside a window, most recent first.</summary>
    public ReadOnlySpan<LabResult> InWindow(int slot, DateRange window, out ReadOnlySpan<long> recency)
    {
        var start = _starts[slot];
        var end = _starts[slot + 1];
        var latest = RecencyOf(window.To, EndOfDay);
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

    /// <summary>A result's recency and its position in the patient's record: most recent first, then in record order.</summary>
    private readonly record struct Position(long Recency, int Index) : IComparable<Position>
    {
        public int CompareTo(Position other) =>
            Recency != other.Recency ? other.Recency.CompareTo(Recency) : Index.CompareTo(other.Index);
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
