using System.Globalization;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Ingestion;

/// <summary>Which order a site writes day and month in when the year comes last. Only a site profile or manifest can declare it.</summary>
public enum DayMonthOrder
{
    Undeclared,
    DayFirst,
    MonthFirst,
}

/// <summary>
/// Reads the dates of INPUTS.md: ISO 8601 dates and date-times (<c>2025-03-01</c>, <c>2025-03-01T08:30</c>,
/// <c>2025-03-01 08:30:00</c>, with an optional <c>Z</c> or offset), <c>yyyy/MM/dd</c> with an optional time, and
/// <c>yyyy年M月d日</c>; <c>dd/MM/yyyy</c> or <c>MM/dd/yyyy</c> only when declared, because they are ambiguous.
/// Allocation-free on the accepted forms: it runs once per date field of every row.
/// </summary>
public sealed class DateReader
{
    public DateReader(DayMonthOrder order = DayMonthOrder.Undeclared) => Order = order;

    public DayMonthOrder Order { get; }

    public static DayMonthOrder ParseOrder(string? dateFormat) =>
        Text.Keys.Name(dateFormat ?? string.Empty) switch
        {
            "" => DayMonthOrder.Undeclared,
            var f when f.StartsWith("dd", StringComparison.Ordinal) || f.StartsWith("d/", StringComparison.Ordinal) || f.StartsWith("d.", StringComparison.Ordinal) => DayMonthOrder.DayFirst,
            var f when f.StartsWith("mm", StringComparison.Ordinal) || f.StartsWith("m/", StringComparison.Ordinal) => DayMonthOrder.MonthFirst,
            var f when f.StartsWith("yyyy", StringComparison.Ordinal) => DayMonthOrder.Undeclared,
            _ => throw new FormatException($"dateFormat '{dateFormat}' is not one of yyyy-MM-dd, dd/MM/yyyy or MM/dd/yyyy."),
        };

    public Parsed<Timestamp> Read(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty)
        {
            return Parsed<Timestamp>.Error(ErrorCodes.MissingValue, "the date is empty");
        }

        var position = 0;
        if (!ReadDate(text, ref position, out var date, out var ambiguous))
        {
            return ambiguous
                ? Parsed<Timestamp>.Error(ErrorCodes.AmbiguousDate, $"'{Clip(text)}' could be day/month or month/day; write dates as yyyy-MM-dd, or declare dateFormat (dd/MM/yyyy or MM/dd/yyyy) in the site profile or manifest")
                : Parsed<Timestamp>.Error(ErrorCodes.InvalidDate, $"'{Clip(text)}' is not a date; use yyyy-MM-dd (ISO 8601) or yyyy/MM/dd");
        }

        if (position == text.Length)
        {
            return Parsed<Timestamp>.Ok(Timestamp.OfDate(date));
        }

        if (text[position] is not ('T' or 't' or ' '))
        {
            return Parsed<Timestamp>.Error(ErrorCodes.InvalidDate, $"'{Clip(text)}' has text after the date that is not a time");
        }

        position++;
        while (position < text.Length && text[position] == ' ')
        {
            position++;
        }

        if (!ReadTime(text, ref position, out var time) || !ReadOffset(text, ref position, out var offset) || position != text.Length)
        {
            return Parsed<Timestamp>.Error(ErrorCodes.InvalidDate, $"'{Clip(text)}' has a time that is not HH:mm[:ss] with an optional Z or ±hh:mm");
        }

        return Parsed<Timestamp>.Ok(new Timestamp(date, time, offset));
    }

    public Parsed<DateOnly> ReadDate(ReadOnlySpan<char> text)
    {
        var parsed = Read(text);
        return parsed.IsOk ? Parsed<DateOnly>.Ok(parsed.Value.Date) : Parsed<DateOnly>.Error(parsed.ErrorCode!, parsed.Message!);
    }

    private bool ReadDate(ReadOnlySpan<char> text, ref int position, out DateOnly date, out bool ambiguous)
    {
        date = default;
        ambiguous = false;
        if (!ReadNumber(text, ref position, 1, 4, out var first, out var firstDigits) || position >= text.Length)
        {
            return false;
        }

        var separator = text[position];
        if (separator is not ('-' or '/' or '.' or '年'))
        {
            return false;
        }

        position++;
        if (!ReadNumber(text, ref position, 1, 2, out var second, out _) || position >= text.Length)
        {
            return false;
        }

        var secondSeparator = text[position];
        var expected = separator == '年' ? '月' : separator;
        if (secondSeparator != expected)
        {
            return false;
        }

        position++;
        if (!ReadNumber(text, ref position, 1, 4, out var third, out var thirdDigits))
        {
            return false;
        }

        if (separator == '年')
        {
            if (position < text.Length && text[position] == '日')
            {
                position++;
            }

            return firstDigits == 4 && TryDate(first, second, third, out date);
        }

        if (firstDigits == 4 && thirdDigits <= 2)
        {
            return TryDate(first, second, third, out date);
        }

        if (thirdDigits != 4 || firstDigits > 2)
        {
            return false;
        }

        switch (Order)
        {
            case DayMonthOrder.DayFirst:
                return TryDate(third, second, first, out date);
            case DayMonthOrder.MonthFirst:
                return TryDate(third, first, second, out date);
            default:
                ambiguous = true;
                return false;
        }
    }

    private static bool ReadTime(ReadOnlySpan<char> text, ref int position, out TimeOnly time)
    {
        time = default;
        if (!ReadNumber(text, ref position, 1, 2, out var hour, out _) || position >= text.Length || text[position] != ':')
        {
            return false;
        }

        position++;
        if (!ReadNumber(text, ref position, 2, 2, out var minute, out _))
        {
            return false;
        }

        var second = 0;
        var millisecond = 0;
        if (position < text.Length && text[position] == ':')
        {
            position++;
            if (!ReadNumber(text, ref position, 2, 2, out second, out _))
            {
                return false;
            }

            if (position < text.Length && text[position] is '.' or ',')
            {
                position++;
                var start = position;
                while (position < text.Length && char.IsAsciiDigit(text[position]))
                {
                    if (position - start < 3)
                    {
                        millisecond = (millisecond * 10) + (text[position] - '0');
                    }

                    position++;
                }

                if (position == start)
                {
                    return false;
                }

                for (var digits = position - start; digits < 3; digits++)
                {
                    millisecond *= 10;
                }
            }
        }

        if (hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        time = new TimeOnly(hour, minute, second, millisecond);
        return true;
    }

    private static bool ReadOffset(ReadOnlySpan<char> text, ref int position, out TimeSpan? offset)
    {
        offset = null;
        if (position == text.Length)
        {
            return true;
        }

        if (text[position] is 'Z' or 'z')
        {
            position++;
            offset = TimeSpan.Zero;
            return true;
        }

        if (text[position] is not ('+' or '-'))
        {
            return false;
        }

        var sign = text[position] == '-' ? -1 : 1;
        position++;
        if (!ReadNumber(text, ref position, 2, 2, out var hours, out _, digitsMayFollow: true))
        {
            return false;
        }

        if (position < text.Length && text[position] == ':')
        {
            position++;
        }

        var minutes = 0;
        if (position < text.Length && !ReadNumber(text, ref position, 2, 2, out minutes, out _))
        {
            return false;
        }

        if (hours > 14 || minutes > 59)
        {
            return false;
        }

        offset = sign * new TimeSpan(hours, minutes, 0);
        return true;
    }

    private static bool ReadNumber(ReadOnlySpan<char> text, ref int position, int minDigits, int maxDigits, out int value, out int digits, bool digitsMayFollow = false)
    {
        value = 0;
        digits = 0;
        while (position < text.Length && digits < maxDigits && char.IsAsciiDigit(text[position]))
        {
            value = (value * 10) + (text[position] - '0');
            position++;
            digits++;
        }

        return digits >= minDigits && (digitsMayFollow || position >= text.Length || !char.IsAsciiDigit(text[position]));
    }

    private static bool TryDate(int year, int month, int day, out DateOnly date)
    {
        date = default;
        if (year < 1800 || year > 2200 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    private static string Clip(ReadOnlySpan<char> text) =>
        text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "…");
}

/// <summary>Formats used for dates in reports and evidence.</summary>
public static class IsoDates
{
    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
