using System.Globalization;

namespace ServerlessScreening.Facts;

/// <summary>
/// A date as a site exported it: always a calendar date, optionally a time of day and a UTC offset.
/// Criteria compare calendar dates; the time and offset are kept so evidence shows what the site sent.
/// </summary>
/// <remarks>
/// Stored in 24 bytes instead of the 40 that a date and two nullable fields take, as every fact carries one: the time
/// as its ticks plus one (0 when there is none) and the offset as ticks with a flag. Equality is the fields', which
/// are equal exactly when the date, time and offset are.
/// </remarks>
public readonly record struct Timestamp
{
    private readonly long _timeTicksPlusOne;
    private readonly long _offsetTicks;
    private readonly DateOnly _date;
    private readonly bool _hasOffset;

    public Timestamp(DateOnly Date, TimeOnly? Time = null, TimeSpan? Offset = null)
    {
        _date = Date;
        _timeTicksPlusOne = Time is { } time ? time.Ticks + 1 : 0;
        _hasOffset = Offset.HasValue;
        _offsetTicks = Offset?.Ticks ?? 0;
    }

    public DateOnly Date
    {
        get => _date;
        init => _date = value;
    }

    public TimeOnly? Time
    {
        get => _timeTicksPlusOne == 0 ? null : new TimeOnly(_timeTicksPlusOne - 1);
        init => _timeTicksPlusOne = value is { } time ? time.Ticks + 1 : 0;
    }

    public TimeSpan? Offset
    {
        get => _hasOffset ? new TimeSpan(_offsetTicks) : null;
        init
        {
            _hasOffset = value.HasValue;
            _offsetTicks = value?.Ticks ?? 0;
        }
    }

    /// <summary>The time of day in ticks, or <paramref name="whenNone"/> without one; reads the stored field directly.</summary>
    internal long TimeTicksOr(long whenNone) => _timeTicksPlusOne == 0 ? whenNone : _timeTicksPlusOne - 1;

    public void Deconstruct(out DateOnly Date, out TimeOnly? Time, out TimeSpan? Offset)
    {
        Date = this.Date;
        Time = this.Time;
        Offset = this.Offset;
    }

    public static Timestamp OfDate(DateOnly date) => new(date);

    /// <summary>ISO 8601: <c>2025-03-01</c>, <c>2025-03-01T08:30:00</c> or <c>2025-03-01T08:30:00+08:00</c>.</summary>
    public override string ToString()
    {
        var date = IsoDate.Format(Date);
        if (Time is not { } time)
        {
            return date;
        }

        var text = date + "T" + time.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        if (Offset is { } offset)
        {
            text += offset == TimeSpan.Zero
                ? "Z"
                : (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
        }

        return text;
    }
}
