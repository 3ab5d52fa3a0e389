using System.Globalization;

namespace ServerlessScreening.Facts;

/// <summary>
/// A date as a site exported it: always a calendar date, optionally a time of day and a UTC offset.
/// Criteria compare calendar dates; the time and offset are kept so evidence shows what the site sent.
/// </summary>
public readonly record struct Timestamp(DateOnly Date, TimeOnly? Time = null, TimeSpan? Offset = null)
{
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
