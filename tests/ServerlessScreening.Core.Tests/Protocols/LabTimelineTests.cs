using ServerlessScreening.Facts;
using ServerlessScreening.Protocols.Rules;

namespace ServerlessScreening.Tests.Protocols;

/// <summary>
/// The lab timeline a record builds when its labs are set: results grouped by test, most recent first within a test
/// (as <see cref="LabQuery.MostRecentFirst"/> orders them, record order among full ties), each with its recency.
/// </summary>
public sealed class LabTimelineTests
{
    private static readonly DateOnly Day = new(2025, 5, 20);

    [Fact]
    public void Results_are_grouped_by_test_in_order_of_first_appearance_and_most_recent_first()
    {
        var oldC3 = Lab("c3", Day.AddDays(-10), null, "uploads/s/a.csv", 2);
        var upcr = Lab("upcr", Day, null, "uploads/s/a.csv", 3);
        var newC3 = Lab("c3", Day, new TimeOnly(9, 0), "uploads/s/a.csv", 4);

        var timeline = new LabTimeline([oldC3, upcr, newC3]);

        Assert.Equal(2, timeline.TestCount);
        Assert.Equal(["c3", "upcr"], [timeline.TestId(0), timeline.TestId(1)]);
        Assert.Equal([newC3, oldC3], Results(timeline, 0));
        Assert.Equal([upcr], Results(timeline, 1));
    }

    [Fact]
    public void A_result_without_a_time_is_later_than_any_time_of_its_day()
    {
        var morning = Lab("upcr", Day, new TimeOnly(8, 0), "uploads/s/a.csv", 2);
        var undated = Lab("upcr", Day, null, "uploads/s/b.csv", 3);
        var midnight = Lab("upcr", Day.AddDays(1), new TimeOnly(0, 0), "uploads/s/a.csv", 4);

        var timeline = new LabTimeline([morning, undated, midnight]);

        Assert.Equal([midnight, undated, morning], Results(timeline, 0));
        Assert.Equal(
            [LabTimeline.RecencyOf(midnight.CollectedAt), LabTimeline.RecencyOf(Day, LabTimeline.EndOfDay), LabTimeline.RecencyOf(Day, new TimeOnly(8, 0).Ticks)],
            timeline.Recency.ToArray());
    }

    [Fact]
    public void Results_of_the_same_moment_are_ordered_by_source_then_line_then_record_order()
    {
        var at = new TimeOnly(8, 0);
        var b1 = Lab("upcr", Day, at, "uploads/s/b.csv", 1);
        var a9 = Lab("upcr", Day, at, "uploads/s/a.csv", 9);
        var a4 = Lab("upcr", Day, at, "uploads/s/a.csv", 4);
        var a4Again = Lab("upcr", Day, at, "uploads/s/a.csv", 4);

        var timeline = new LabTimeline([b1, a9, a4, a4Again]);

        var ordered = Results(timeline, 0);
        Assert.Equal([a4, a4Again, a9, b1], ordered);
        Assert.Same(a4, ordered[0]);
        Assert.Same(a4Again, ordered[1]);
    }

    [Fact]
    public void Results_within_one_second_are_ordered_by_their_exact_time_before_their_source()
    {
        var early = Lab("upcr", Day, new TimeOnly(8, 0, 0).Add(TimeSpan.FromMilliseconds(100)), "uploads/s/a.csv", 2);
        var late = Lab("upcr", Day, new TimeOnly(8, 0, 0).Add(TimeSpan.FromMilliseconds(900)), "uploads/s/b.csv", 3);
        var sameAsLate = Lab("upcr", Day, new TimeOnly(8, 0, 0).Add(TimeSpan.FromMilliseconds(900)), "uploads/s/a.csv", 4);
        var nextSecond = Lab("upcr", Day, new TimeOnly(8, 0, 1), "uploads/s/c.csv", 5);

        var timeline = new LabTimeline([early, late, sameAsLate, nextSecond]);

        Assert.Equal([nextSecond, sameAsLate, late, early], Results(timeline));
        Assert.Equal([.. new[] { nextSecond, sameAsLate, late, early }.Select(l => LabTimeline.RecencyOf(l.CollectedAt))], timeline.Recency.ToArray());
    }

    [Fact]
    public void Tests_are_told_apart_by_their_whole_id_whatever_the_strings_instances()
    {
        // Ids that share length, first, middle and last characters, and equal ids held in distinct strings.
        string[] ids = ["urine-rbc", "urine-wbc", "c3", "c4", "c3", new string(['u', 'r', 'i', 'n', 'e', '-', 'r', 'b', 'c'])];
        var labs = ids.Select((id, i) => Lab(id, Day.AddDays(-i), null, "uploads/s/a.csv", i + 2)).ToArray();

        var timeline = new LabTimeline(labs);

        Assert.Equal(["urine-rbc", "urine-wbc", "c3", "c4"], Enumerable.Range(0, timeline.TestCount).Select(timeline.TestId));
        Assert.Equal([labs[0], labs[5]], Results(timeline, 0));
        Assert.Equal([labs[2], labs[4]], Results(timeline, 2));
    }

    [Fact]
    public void Many_tests_and_results_are_numbered_and_ordered_alike()
    {
        var random = new Random(11);
        var labs = Enumerable.Range(0, 2_000)
            .Select(i => Lab("test-" + random.Next(300), Day.AddDays(-random.Next(0, 5)), random.Next(2) == 0 ? null : new TimeOnly(random.Next(24), 0), "uploads/s/a.csv", i + 2))
            .ToList();

        var timeline = new LabTimeline(labs);

        Assert.Equal(labs.Select(l => l.TestId).Distinct(), Enumerable.Range(0, timeline.TestCount).Select(timeline.TestId));
        for (var test = 0; test < timeline.TestCount; test++)
        {
            var expected = labs.Where(l => l.TestId == timeline.TestId(test)).OrderBy(l => l, LabQuery.MostRecentFirst).ToArray();
            Assert.Equal(expected, Results(timeline, test));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(600)]
    public void A_test_of_any_number_of_results_over_any_dates_is_ordered_most_recent_first(int count)
    {
        // Short runs are sorted by rank and long ones by comparison; dates from year 1 to 9999 use every bit of a key.
        var random = new Random(count);
        var labs = Enumerable.Range(0, count)
            .Select(i => Lab(
                "upcr",
                DateOnly.FromDayNumber(random.Next(4) == 0 ? random.Next(DateOnly.MaxValue.DayNumber + 1) : Day.DayNumber - random.Next(0, 30)),
                random.Next(3) == 0 ? null : new TimeOnly(random.Next(24), random.Next(60), random.Next(60)),
                "uploads/s/a.csv",
                i + 2))
            .ToList();

        var timeline = new LabTimeline(labs);

        Assert.Equal(labs.OrderBy(l => l, LabQuery.MostRecentFirst), Results(timeline));
        Assert.Equal(Results(timeline).Select(l => LabTimeline.RecencyOf(l.CollectedAt)), timeline.Recency.ToArray());
    }

    [Fact]
    public void Each_test_holds_its_results_in_the_order_of_most_recent_first_whatever_the_record_order()
    {
        var random = new Random(7);
        string[] tests = ["c3", "c4", "upcr", "wbc", "hbsag"];
        string[] blobs = ["uploads/s/a.csv", "uploads/s/b.csv"];
        for (var round = 0; round < 50; round++)
        {
            var labs = Enumerable.Range(0, random.Next(0, 200))
                .Select(_ => Lab(
                    tests[random.Next(tests.Length)],
                    Day.AddDays(-random.Next(0, 20)),
                    random.Next(3) == 0 ? null : new TimeOnly(random.Next(3) * 8, 0),
                    blobs[random.Next(blobs.Length)],
                    random.Next(2, 12)))
                .ToList();

            var timeline = new LabTimeline(labs);

            Assert.Equal(labs.Select(l => l.TestId).Distinct().Count(), timeline.TestCount);
            for (var test = 0; test < timeline.TestCount; test++)
            {
                var expected = labs.Where(l => l.TestId == timeline.TestId(test)).OrderBy(l => l, LabQuery.MostRecentFirst).ToList();
                var actual = Results(timeline, test);
                Assert.Equal(expected.Count, actual.Length);
                for (var k = 0; k < actual.Length; k++)
                {
                    // Same order up to results that compare equal (same moment, source and line).
                    Assert.Equal(0, LabQuery.MostRecentFirst.Compare(expected[k], actual[k]));
                    Assert.Equal(LabTimeline.RecencyOf(actual[k].CollectedAt), timeline.Recency[timeline.RangeOf(test)][k]);
                }
            }
        }
    }

    [Fact]
    public void A_record_builds_its_timeline_from_the_labs_it_is_given_and_again_when_they_are_replaced()
    {
        var first = Lab("c3", Day, null, "uploads/s/a.csv", 2);
        var second = Lab("c4", Day, null, "uploads/s/a.csv", 3);
        var record = Record([first]);

        var replaced = record with { Labs = [second] };

        Assert.Equal("c3", Assert.Single(Results(record.LabTimeline)).TestId);
        Assert.Equal("c4", Assert.Single(Results(replaced.LabTimeline)).TestId);
        Assert.Same(record.LabTimeline, (record with { PatientId = "P2" }).LabTimeline);
        Assert.Empty(new PatientRecord { SiteId = "s", PatientId = "P" }.LabTimeline.Ordered.ToArray());
    }

    [Fact]
    public void Records_over_the_same_lab_list_are_equal_and_over_different_lists_are_not()
    {
        List<LabResult> labs = [Lab("c3", Day, null, "uploads/s/a.csv", 2)];

        Assert.Equal(Record(labs), Record(labs));
        Assert.Equal(Record(labs).GetHashCode(), Record(labs).GetHashCode());
        Assert.NotEqual(Record(labs), Record(labs.ToList()));
        Assert.Same(labs, Record(labs).Labs);
    }

    private static PatientRecord Record(IReadOnlyList<LabResult> labs) => new() { SiteId = "s", PatientId = "P1", Labs = labs };

    private static LabResult[] Results(LabTimeline timeline, int test = 0) => timeline.Ordered[timeline.RangeOf(test)].ToArray();

    private static LabResult Lab(string test, DateOnly date, TimeOnly? time, string blob, int line) => new()
    {
        TestId = test,
        CollectedAt = new Timestamp(date, time),
        Value = LabValue.Of(1m),
        Source = new SourceRef(blob, line),
    };
}
