using System.Numerics;
using System.Runtime.InteropServices;

namespace ServerlessScreening.Facts;

/// <summary>
/// A patient's lab results grouped by test, each group ordered most recent first, with each result's recency (its
/// collection date and time as one number) kept beside it. A <see cref="PatientRecord"/> builds one when its labs are
/// set, so an evaluation finds a test's results, and those inside a window, from a few small arrays: it neither hashes
/// every result's test id nor reads the results themselves until a rule needs one.
/// </summary>
/// <remarks>
/// Order within a test: later recency first; results of the same moment by source blob (ordinal), then line, then
/// their position in <see cref="Results"/>. That is the order of <c>LabQuery.MostRecentFirst</c>, whose date and time
/// comparison is exactly a comparison of recency. The timeline is a snapshot of <see cref="Results"/> when it was built.
/// </remarks>
internal sealed class LabTimeline : IEquatable<LabTimeline>
{
    /// <summary>A result without a time of day counts as the end of its day.</summary>
    public static readonly long EndOfDay = TimeOnly.MaxValue.Ticks;

    /// <summary>The most results one timeline orders: a sort key keeps a result's position in its low 25 bits.</summary>
    public const int MaxResults = 1 << PositionBits;

    private const int PositionBits = 25;
    private const ulong PositionMask = (1UL << PositionBits) - 1;

    /// <summary>The latest recency in whole seconds (the end of <see cref="DateOnly.MaxValue"/>), which needs 39 bits.</summary>
    private static readonly long LatestSecond = RecencyOf(DateOnly.MaxValue, EndOfDay) / TimeSpan.TicksPerSecond;

    /// <summary>Scratch for up to this many results lives on the stack.</summary>
    private const int StackLimit = 512;

    public static LabTimeline Empty { get; } = new([]);

    // Test t (numbered in order of first appearance in the record) holds _ordered[_starts[t].._starts[t + 1]],
    // and _recency[k] is the recency of _ordered[k].
    private readonly LabResult[] _ordered;
    private readonly long[] _recency;
    private readonly string[] _tests;
    private readonly int[] _starts;

    public LabTimeline(IReadOnlyList<LabResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        Results = results;
        ReadOnlySpan<LabResult> labs = results switch
        {
            LabResult[] array => array,
            List<LabResult> list => CollectionsMarshal.AsSpan(list),
            _ => results.ToArray(),
        };

        var count = labs.Length;
        if (count > MaxResults)
        {
            throw new ArgumentException($"A record holds at most {MaxResults} lab results.", nameof(results));
        }

        // One pass numbers each result's test and computes its recency. A counting sort then groups sort keys by test
        // number, and each group is sorted as plain numbers: a key is the recency in whole seconds, later first, then
        // the position in the record. Results of the same second are then put in exact recency and source order.
        Span<int> testOf = count <= StackLimit ? stackalloc int[count] : new int[count];
        Span<long> recencyOf = count <= StackLimit ? stackalloc long[count] : new long[count];
        var numbers = new TestNumbers();
        for (var i = 0; i < count; i++)
        {
            var lab = labs[i];
            testOf[i] = numbers.NumberOf(lab.TestId);
            recencyOf[i] = RecencyOf(lab.CollectedAt);
        }

        _tests = numbers.Ids();
        _starts = new int[_tests.Length + 1];
        foreach (var test in testOf)
        {
            _starts[test + 1]++;
        }

        for (var t = 0; t < _tests.Length; t++)
        {
            _starts[t + 1] += _starts[t];
        }

        Span<int> next = _tests.Length <= StackLimit ? stackalloc int[_tests.Length] : new int[_tests.Length];
        _starts.AsSpan(0, _tests.Length).CopyTo(next);
        Span<ulong> keys = count <= StackLimit ? stackalloc ulong[count] : new ulong[count];
        for (var i = 0; i < count; i++)
        {
            keys[next[testOf[i]]++] = ((ulong)(LatestSecond - (recencyOf[i] / TimeSpan.TicksPerSecond)) << PositionBits) | (uint)i;
        }

        Span<ulong> scratch = stackalloc ulong[RankSortLimit];
        for (var t = 0; t < _tests.Length; t++)
        {
            var group = keys[_starts[t].._starts[t + 1]];
            if (group.Length <= RankSortLimit)
            {
                RankSort(group, scratch);
            }
            else
            {
                group.Sort();
            }
        }

        // Locals of their exact array type let the stores below skip the covariance check a field would need.
        var ordered = new LabResult[count];
        var recency = new long[count];
        for (var k = 0; k < count; k++)
        {
            var i = (int)(keys[k] & PositionMask);
            ordered[k] = labs[i];
            recency[k] = recencyOf[i];
        }

        _ordered = ordered;
        _recency = recency;
        OrderSameSecondResults(keys);
    }

    /// <summary>The results as they were given, in the record's order.</summary>
    public IReadOnlyList<LabResult> Results { get; }

    /// <summary>How many distinct tests the results are of; tests are numbered from 0.</summary>
    public int TestCount => _tests.Length;

    /// <summary>The test id of test number <paramref name="test"/>.</summary>
    public string TestId(int test) => _tests[test];

    /// <summary>Where test number <paramref name="test"/>'s results lie in <see cref="Ordered"/> and <see cref="Recency"/>.</summary>
    public Range RangeOf(int test) => new(_starts[test], _starts[test + 1]);

    /// <summary>Every result, grouped by test number and most recent first within a test.</summary>
    public ReadOnlySpan<LabResult> Ordered => _ordered;

    /// <summary>The recency of each result of <see cref="Ordered"/>, at the same position.</summary>
    public ReadOnlySpan<long> Recency => _recency;

    /// <summary>Date and time as one number that orders like the date, then the time, a missing time last in its day.</summary>
    public static long RecencyOf(Timestamp collectedAt) => RecencyOf(collectedAt.Date, collectedAt.TimeTicksOr(EndOfDay));

    public static long RecencyOf(DateOnly date, long timeTicks) => (date.DayNumber * TimeSpan.TicksPerDay) + timeTicks;

    /// <summary>Two timelines are equal when they were built from the same list, so record equality stays reference equality of <see cref="PatientRecord.Labs"/>.</summary>
    public bool Equals(LabTimeline? other) => other is not null && ReferenceEquals(Results, other.Results);

    public override bool Equals(object? obj) => Equals(obj as LabTimeline);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Results);

    /// <summary>A test's keys up to this many are sorted by <see cref="RankSort"/>; more by a comparison sort.</summary>
    private const int RankSortLimit = 64;

    /// <summary>
    /// Sorts a few distinct keys by rank: a key's place is the number of keys smaller than it, counted with vector
    /// comparisons. The work is the same whatever the order of the keys, whereas a comparison sort of results in no
    /// particular order mispredicts a branch for most of them: over patients that do not repeat, so the processor
    /// cannot learn their order, that was about a quarter of the time to build a timeline.
    /// </summary>
    private static void RankSort(Span<ulong> keys, Span<ulong> scratch)
    {
        var count = keys.Length;
        var original = scratch[..count];
        keys.CopyTo(original);
        var width = Vector<ulong>.Count;
        for (var i = 0; i < count; i++)
        {
            var key = original[i];
            var probe = new Vector<ulong>(key);
            var smaller = Vector<ulong>.Zero;
            var j = 0;
            for (; j <= count - width; j += width)
            {
                // A true lane is all ones, so subtracting it counts one.
                smaller -= Vector.LessThan(new Vector<ulong>(original[j..]), probe);
            }

            var rank = (int)Vector.Sum(smaller);
            for (; j < count; j++)
            {
                rank += original[j] < key ? 1 : 0;
            }

            keys[rank] = key;
        }
    }

    /// <summary>
    /// Orders each run of results of one test in the same second (keys equal but for position) by exact recency, later
    /// first, then source and line: an insertion sort, as such runs are short. Results equal in all of these keep
    /// their record order, which the key sort left in place.
    /// </summary>
    private void OrderSameSecondResults(ReadOnlySpan<ulong> keys)
    {
        for (var t = 0; t < _tests.Length; t++)
        {
            for (var k = _starts[t] + 1; k < _starts[t + 1]; k++)
            {
                if (keys[k] >> PositionBits != keys[k - 1] >> PositionBits)
                {
                    continue;
                }

                var lab = _ordered[k];
                var recency = _recency[k];
                var j = k - 1;
                while (j >= _starts[t] && keys[j] >> PositionBits == keys[k] >> PositionBits
                    && (recency > _recency[j] || (recency == _recency[j] && SourceRef.Compare(lab.Source, _ordered[j].Source) < 0)))
                {
                    _ordered[j + 1] = _ordered[j];
                    _recency[j + 1] = _recency[j];
                    j--;
                }

                _ordered[j + 1] = lab;
                _recency[j + 1] = recency;
            }
        }
    }

    /// <summary>
    /// Numbers distinct test ids in order of first appearance: an open-addressed table of numbers, probed from a hash
    /// of a few characters of the id and confirmed by ordinal equality (immediate for the shared id strings records
    /// usually hold), which costs less per result than a dictionary's hash of the whole id.
    /// </summary>
    private struct TestNumbers()
    {
        private string[] _ids = new string[16];
        private int[] _slots = new int[128];
        private int _count;

        public int NumberOf(string id)
        {
            var mask = _slots.Length - 1;
            for (var slot = Hash(id) & mask; ; slot = (slot + 1) & mask)
            {
                // A slot holds a test number plus one; 0 is free.
                var held = _slots[slot];
                if (held == 0)
                {
                    return Add(id, slot);
                }

                var known = _ids[held - 1];
                if (ReferenceEquals(known, id) || string.Equals(known, id, StringComparison.Ordinal))
                {
                    return held - 1;
                }
            }
        }

        public readonly string[] Ids() => _ids.AsSpan(0, _count).ToArray();

        private int Add(string id, int slot)
        {
            if (_count == _ids.Length)
            {
                Array.Resize(ref _ids, _count * 2);
            }

            _ids[_count] = id;
            _slots[slot] = ++_count;
            if (_count * 8 > _slots.Length)
            {
                // At most an eighth full, so most ids find their slot at the first probe: a probe that goes on is a
                // branch the processor mispredicts, as the ids of results in no particular order are unpredictable.
                _slots = new int[_slots.Length * 2];
                for (var number = 0; number < _count; number++)
                {
                    var free = Hash(_ids[number]) & (_slots.Length - 1);
                    while (_slots[free] != 0)
                    {
                        free = (free + 1) & (_slots.Length - 1);
                    }

                    _slots[free] = number + 1;
                }
            }

            return _count - 1;
        }

        /// <summary>
        /// The length and five characters spread over the id (first, quarters, middle, last), mixed; a slot is its
        /// low bits. Five, because ids such as <c>urine-rbc</c> and <c>urine-wbc</c> agree in length, first, middle
        /// and last character.
        /// </summary>
        private static int Hash(string id)
        {
            var length = id.Length;
            if (length == 0)
            {
                return 0;
            }

            var hash = ((uint)length * 0x9E3779B1u) ^ (id[0] * 0x85EBCA77u) ^ (id[length / 4] * 0x165667B1u)
                ^ (id[length / 2] * 0xC2B2AE3Du) ^ (id[3 * length / 4] * 0xD3A2646Cu) ^ (id[length - 1] * 0x27D4EB2Fu);
            return (int)(hash ^ (hash >> 15));
        }
    }
}
