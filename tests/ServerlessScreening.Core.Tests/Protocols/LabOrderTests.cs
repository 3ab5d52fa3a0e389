using Microsoft.Extensions.Time.Testing;
using ServerlessScreening.Facts;
using ServerlessScreening.Protocols;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;
using static ServerlessScreening.Tests.Protocols.PatientBuilder;

namespace ServerlessScreening.Tests.Protocols;

/// <summary>
/// Which result is the most recent, and which results fall in a window, when results carry times and come from
/// several uploads: later date, then later time (a result without a time counts as the end of its day), then source
/// and line in ordinal order. The verdict must not depend on the order of the patient's rows.
/// </summary>
public sealed class LabOrderTests
{
    private static readonly DateOnly Day = DaysBefore(5);

    [Fact]
    public void A_result_without_a_time_counts_as_the_end_of_its_day()
    {
        var verdict = Evaluate(
            Upcr(Day, new TimeOnly(8, 0), "uploads/site-t/a.csv", 2, 2.0m),
            Upcr(Day, null, "uploads/site-t/b.csv", 3, 0.5m));

        AssertDecidedBy(verdict, "INC04", CriterionStatus.Fail, "uploads/site-t/b.csv", 3);
    }

    [Fact]
    public void The_later_time_of_the_same_day_is_the_most_recent()
    {
        var verdict = Evaluate(
            Upcr(Day, new TimeOnly(8, 0), "uploads/site-t/a.csv", 2, 2.0m),
            Upcr(Day, new TimeOnly(7, 59, 59), "uploads/site-t/b.csv", 3, 0.5m));

        AssertDecidedBy(verdict, "INC04", CriterionStatus.Pass, "uploads/site-t/a.csv", 2);
    }

    [Fact]
    public void Results_of_the_same_moment_are_ordered_by_source_then_line()
    {
        var at = new TimeOnly(8, 0);
        var verdict = Evaluate(
            Upcr(Day, at, "uploads/site-t/b.csv", 1, 0.5m),
            Upcr(Day, at, "uploads/site-t/a.csv", 9, 2.0m),
            Upcr(Day, at, "uploads/site-t/a.csv", 4, 3.0m));

        AssertDecidedBy(verdict, "INC04", CriterionStatus.Pass, "uploads/site-t/a.csv", 4);
    }

    [Fact]
    public void The_most_recent_result_of_each_test_decides_across_several_tests()
    {
        // HBsAg turned negative later the same day; the older HIV result is the most recent of its test and is positive.
        var verdict = Evaluate(
            Qualitative("hbsag", Day, new TimeOnly(8, 0), 2, ServerlessScreening.Facts.Qualitative.Positive),
            Qualitative("hbsag", Day, new TimeOnly(9, 0), 3, ServerlessScreening.Facts.Qualitative.Negative),
            Qualitative("hiv", DaysBefore(100), null, 4, ServerlessScreening.Facts.Qualitative.Positive),
            Qualitative("hcv-ab", DaysBefore(50), null, 5, ServerlessScreening.Facts.Qualitative.Negative));

        var exc06 = verdict.Criteria.Single(c => c.Id == "EXC06");
        Assert.Equal(CriterionStatus.Fail, exc06.Status);
        Assert.Equal([4], exc06.Evidence.Where(e => e.Line is 2 or 3 or 4).Select(e => e.Line));
    }

    [Theory]
    [InlineData(10, 0, 0, CriterionStatus.Pass)]
    [InlineData(11, 23, 59, CriterionStatus.Unknown)]
    [InlineData(0, 23, 59, CriterionStatus.Pass)]
    [InlineData(-1, 0, 0, CriterionStatus.Unknown)]
    public void A_window_includes_every_moment_of_its_first_and_last_day(int daysBefore, int hour, int minute, CriterionStatus expected)
    {
        // Hematuria and pyuria (4 points each) reach the SLEDAI-2K lower bound of 6 only if both count.
        var at = new TimeOnly(hour, minute);
        var verdict = Evaluate(
            Lab("urine-rbc", DaysBefore(3), null, "uploads/site-t/a.csv", 2, LabValue.Of(20m), "/[HPF]"),
            Lab("urine-wbc", DaysBefore(daysBefore), at, "uploads/site-t/a.csv", 3, LabValue.Of(20m), "/[HPF]"));

        Assert.Equal(expected, verdict.Criteria.Single(c => c.Id == "INC03").Status);
    }

    [Fact]
    public void The_verdict_does_not_depend_on_the_order_of_the_rows()
    {
        var at = new TimeOnly(8, 0);
        LabResult[] labs =
        [
            Upcr(Day, at, "uploads/site-t/b.csv", 1, 0.5m),
            Upcr(Day, at, "uploads/site-t/a.csv", 9, 2.0m),
            Upcr(Day, null, "uploads/site-t/a.csv", 4, 3.0m),
            Upcr(DaysBefore(20), at, "uploads/site-t/c.csv", 7, 0.7m),
            Lab("wbc", Day, at, "uploads/site-t/a.csv", 5, LabValue.Of(2.5m), "10*9/L"),
            Lab("wbc", Day, null, "uploads/site-t/c.csv", 6, LabValue.Of(3.5m), "10*9/L"),
            Lab("wbc", DaysBefore(40), null, "uploads/site-t/c.csv", 8, LabValue.Of(3.0m), "10*9/L"),
            Qualitative("anti-dsdna", Day, at, 10, ServerlessScreening.Facts.Qualitative.Positive),
        ];

        var expected = ContractJson.Serialize(Evaluate(labs));
        var random = new Random(7);
        for (var i = 0; i < 20; i++)
        {
            var shuffled = labs.ToArray();
            random.Shuffle(shuffled);
            Assert.Equal(expected, ContractJson.Serialize(Evaluate(shuffled)));
        }
    }

    private static LabResult Upcr(DateOnly date, TimeOnly? time, string blob, int line, decimal value) =>
        Lab("upcr", date, time, blob, line, LabValue.Of(value), "g/g");

    private static LabResult Qualitative(string test, DateOnly date, TimeOnly? time, int line, Qualitative result) =>
        Lab(test, date, time, "uploads/site-t/serology.csv", line, LabValue.Of(result), null);

    private static LabResult Lab(string test, DateOnly date, TimeOnly? time, string blob, int line, LabValue value, string? unit) => new()
    {
        TestId = test,
        CollectedAt = new Timestamp(date, time),
        Value = value,
        Unit = unit,
        Source = new SourceRef(blob, line),
    };

    private static Verdict Evaluate(params LabResult[] labs)
    {
        var record = new PatientRecord
        {
            SiteId = "site-t",
            PatientId = "P1",
            Demographics = [new Demographics { Sex = Sex.Male, BirthDate = Screening.AddYears(-40), ScreeningDate = Screening, Source = new SourceRef("uploads/site-t/patients.csv", 2) }],
            Labs = labs,
        };
        return new ScreeningEngine(PatientBuilder.Protocol, LabCatalog.Default, DrugCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2025, 6, 2, 9, 0, 0, TimeSpan.Zero)))
            .Evaluate(record, new ScreeningDefaults(Screening));
    }

    private static void AssertDecidedBy(Verdict verdict, string criterion, CriterionStatus status, string source, int line)
    {
        var decided = verdict.Criteria.Single(c => c.Id == criterion);
        Assert.Equal(status, decided.Status);
        var evidence = Assert.Single(decided.Evidence);
        Assert.Equal((source, line), (evidence.Source, evidence.Line));
    }
}
