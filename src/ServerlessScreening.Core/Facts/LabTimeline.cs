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

        // One pass numbers each result's test and computes its recency; a counting sort then groups the results by
        // test number in record order, and each group is sorted by recency, ties by position (positions are sorted,
        // not results, so the sort moves no object references). Same-moment results are then put in source order.
        var count = results.Count;
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        var testOf = new int[count];
        var recencyOf = new long[count];
        var sizes = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var lab = results[i];
            if (!numbers.TryGetValue(lab.TestId, out var test))
            {
                test = numbers.Count;
                numbers.Add(lab.TestId, test);
                sizes.Add(0);
            }

            testOf[i] = test;
            recencyOf[i] = RecencyOf(lab.CollectedAt);
            sizes[test]++;
        }

        _tests = new string[numbers.Count];
        foreach (var (id, test) in numbers)
        {
            _tests[test] = id;
        }

        _starts = new int[_tests.Length + 1];
        for (var t = 0; t < _tests.Length; t++)
        {
            _starts[t + 1] = _starts[t] + sizes[t];
        }

        var next = _starts[..^1];
        var order = new Position[count];
        for (var i = 0; i < count; i++)
        {
            order[next[testOf[i]]++] = new Position(recencyOf[i], i);
        }

        for (var t = 0; t < _tests.Length; t++)
        {
            order.AsSpan(_starts[t], _starts[t + 1] - _starts[t]).Sort();
        }

        _ordered = new LabResult[count];
        _recency = new long[count];
        for (var k = 0; k < count; k++)
        {
            _ordered[k] = results[order[k].Index];
            _recency[k] = order[k].Recency;
        }

        OrderSameMomentResults();
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
    public static long RecencyOf(Timestamp collectedAt) => RecencyOf(collectedAt.Date, collectedAt.Time?.Ticks ?? EndOfDay);

    public static long RecencyOf(DateOnly date, long timeTicks) => (date.DayNumber * TimeSpan.TicksPerDay) + timeTicks;

    /// <summary>Two timelines are equal when they were built from the same list, so record equality stays reference equality of <see cref="PatientRecord.Labs"/>.</summary>
    public bool Equals(LabTimeline? other) => other is not null && ReferenceEquals(Results, other.Results);

    public override bool Equals(object? obj) => Equals(obj as LabTimeline);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Results);

    /// <summary>
    /// Orders each run of same-moment results of one test by source and line (an insertion sort: such runs are short
    /// and rare). Equal source and line keep their position order, which the recency sort left in place.
    /// </summary>
    private void OrderSameMomentResults()
    {
        for (var t = 0; t < _tests.Length; t++)
        {
            for (var k = _starts[t] + 1; k < _starts[t + 1]; k++)
            {
                var lab = _ordered[k];
                var j = k - 1;
                while (j >= _starts[t] && _recency[j] == _recency[k] && SourceRef.Compare(lab.Source, _ordered[j].Source) < 0)
                {
                    _ordered[j + 1] = _ordered[j];
                    j--;
                }

                _ordered[j + 1] = lab;
            }
        }
    }

    /// <summary>A result's recency and its position in the record: most recent first, then in record order.</summary>
    private readonly record struct Position(long Recency, int Index) : IComparable<Position>
    {
        public int CompareTo(Position other) =>
            Recency != other.Recency ? other.Recency.CompareTo(Recency) : Index.CompareTo(other.Index);
    }
}
