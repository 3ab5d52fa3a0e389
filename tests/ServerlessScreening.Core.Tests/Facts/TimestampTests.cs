using ServerlessScreening.Facts;

namespace ServerlessScreening.Tests.Facts;

/// <summary>
/// A timestamp stores its time and offset packed, with their absence as flags: midnight is a time, UTC is an offset,
/// and neither is the same as none.
/// </summary>
public sealed class TimestampTests
{
    private static readonly DateOnly Day = new(2025, 3, 1);

    public static TheoryData<TimeOnly?, TimeSpan?> Parts => new()
    {
        { null, null },
        { TimeOnly.MinValue, null },
        { TimeOnly.MaxValue, null },
        { new TimeOnly(8, 30), TimeSpan.Zero },
        { new TimeOnly(8, 30), TimeSpan.FromHours(8) },
        { new TimeOnly(23, 59, 59), TimeSpan.FromMinutes(-570) },
        { null, TimeSpan.Zero },
    };

    [Theory]
    [MemberData(nameof(Parts))]
    public void A_timestamp_gives_back_the_date_time_and_offset_it_was_made_of(TimeOnly? time, TimeSpan? offset)
    {
        var timestamp = new Timestamp(Day, time, offset);

        var (date, timeBack, offsetBack) = timestamp;

        Assert.Equal((Day, time, offset), (timestamp.Date, timestamp.Time, timestamp.Offset));
        Assert.Equal((Day, time, offset), (date, timeBack, offsetBack));
        Assert.Equal(timestamp, Timestamp.OfDate(Day) with { Time = time, Offset = offset });
    }

    [Fact]
    public void Midnight_and_UTC_differ_from_no_time_and_no_offset()
    {
        Assert.NotEqual(new Timestamp(Day), new Timestamp(Day, TimeOnly.MinValue));
        Assert.NotEqual(new Timestamp(Day, TimeOnly.MinValue), new Timestamp(Day, TimeOnly.MinValue, TimeSpan.Zero));
        Assert.Equal("2025-03-01", new Timestamp(Day).ToString());
        Assert.Equal("2025-03-01T00:00:00", new Timestamp(Day, TimeOnly.MinValue).ToString());
        Assert.Equal("2025-03-01T00:00:00Z", new Timestamp(Day, TimeOnly.MinValue, TimeSpan.Zero).ToString());
    }

    [Fact]
    public void Setting_a_part_with_with_replaces_it_and_keeps_the_others()
    {
        var timestamp = new Timestamp(Day, new TimeOnly(8, 30), TimeSpan.FromHours(8));

        Assert.Equal(new Timestamp(Day, null, TimeSpan.FromHours(8)), timestamp with { Time = null });
        Assert.Equal(new Timestamp(Day, new TimeOnly(8, 30)), timestamp with { Offset = null });
        Assert.Equal(new Timestamp(Day.AddDays(1), new TimeOnly(8, 30), TimeSpan.FromHours(8)), timestamp with { Date = Day.AddDays(1) });
        Assert.Equal(default, new Timestamp(DateOnly.MinValue));
    }
}
