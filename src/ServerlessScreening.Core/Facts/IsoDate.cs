namespace ServerlessScreening.Facts;

/// <summary>
/// ISO 8601 calendar dates (<c>yyyy-MM-dd</c>), written digit by digit: the same text as formatting with
/// <c>"yyyy-MM-dd"</c> in the invariant culture, without the general formatting machinery, because verdicts write
/// many dates.
/// </summary>
public static class IsoDate
{
    public const int Length = 10;

    public static string Format(DateOnly date) => string.Create(Length, date, static (chars, d) => Write(d, chars));

    /// <summary>Writes the 10 characters of <paramref name="date"/> at the start of <paramref name="chars"/>.</summary>
    public static void Write(DateOnly date, Span<char> chars)
    {
        var (year, month, day) = date;
        chars[0] = (char)('0' + (year / 1000));
        chars[1] = (char)('0' + (year / 100 % 10));
        chars[2] = (char)('0' + (year / 10 % 10));
        chars[3] = (char)('0' + (year % 10));
        chars[4] = '-';
        chars[5] = (char)('0' + (month / 10));
        chars[6] = (char)('0' + (month % 10));
        chars[7] = '-';
        chars[8] = (char)('0' + (day / 10));
        chars[9] = (char)('0' + (day % 10));
    }
}

/// <summary>
/// A date that formats as <see cref="IsoDate"/> text, so an interpolated string writes it in place instead of
/// through an intermediate string.
/// </summary>
public readonly struct IsoDateText(DateOnly date) : ISpanFormattable
{
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < IsoDate.Length)
        {
            charsWritten = 0;
            return false;
        }

        IsoDate.Write(date, destination);
        charsWritten = IsoDate.Length;
        return true;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString() => IsoDate.Format(date);
}
