using Sylvan.Data.Csv;

namespace ServerlessScreening.Ingestion;

/// <summary>What is wrong with the quoting of one record.</summary>
internal enum QuotingProblem
{
    /// <summary>A quoted value's closing quote is followed by more text instead of a delimiter or the line end.</summary>
    TextAfterClosingQuote,

    /// <summary>A quoted value never closes: it runs to the end of the file.</summary>
    NeverClosed,
}

/// <summary>Where a record's quoting goes wrong: the field, the character offset in the raw record, and how.</summary>
internal readonly record struct MalformedQuoting(int Field, int Offset, QuotingProblem Problem);

/// <summary>
/// Finds malformed quoting in a record that Sylvan.Data.Csv read in its lax style. Lax reading goes on past a malformed
/// field, which lets one bad row be rejected while the rest of the file is still read (strict reading refuses every
/// read after its first error), but it reads such a field silently: <c>"1.2"3</c> comes back as <c>1.23</c>. So each
/// record that holds a quote is checked against its raw text. Invariant: a record is well formed exactly when its raw
/// text is the RFC 4180 form of the values Sylvan read — each value as it is when its raw text does not start with a
/// quote (a quote later in such a field is an ordinary character, as strict reading has it), otherwise between quotes
/// with every inner quote doubled — one delimiter between values, and the line end after the last. Sylvan decides where
/// fields begin and end and what they hold; this only compares. A record without any quote is always well formed, so it
/// is not looked at, and files that quote nothing pay nothing for the check.
/// </summary>
internal static class CsvQuoting
{
    public const char Quote = '"';

    /// <summary>The first malformed field of the current record of <paramref name="csv"/>, or null when it is well formed.</summary>
    public static MalformedQuoting? Check(CsvDataReader csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var raw = csv.GetRawRecordSpan();
        if (!raw.Contains(Quote))
        {
            return null;
        }

        var position = 0;
        for (var field = 0; field < csv.RowFieldCount; field++)
        {
            if (field > 0)
            {
                // The delimiter Sylvan split on: a field whose form matched exactly is always followed by one (the text
                // after a closing quote would have become part of the value, and then its form would not have matched).
                position++;
            }

            var value = csv.GetFieldSpan(field);
            if (position >= raw.Length || raw[position] != Quote)
            {
                if (!raw[Math.Min(position, raw.Length)..].StartsWith(value, StringComparison.Ordinal))
                {
                    return new MalformedQuoting(field, position, QuotingProblem.TextAfterClosingQuote);
                }

                position += value.Length;
                continue;
            }

            position++;
            foreach (var c in value)
            {
                var expectedLength = c == Quote ? 2 : 1;
                if (position + expectedLength > raw.Length)
                {
                    return new MalformedQuoting(field, raw.Length, QuotingProblem.NeverClosed);
                }

                if (raw[position] != c || (c == Quote && raw[position + 1] != Quote))
                {
                    // The only way a lax value parts from its raw text is a quote that closed the value early.
                    return new MalformedQuoting(field, position, QuotingProblem.TextAfterClosingQuote);
                }

                position += expectedLength;
            }

            if (position >= raw.Length)
            {
                return new MalformedQuoting(field, raw.Length, QuotingProblem.NeverClosed);
            }

            if (raw[position] != Quote)
            {
                return new MalformedQuoting(field, position, QuotingProblem.TextAfterClosingQuote);
            }

            position++;
        }

        var rest = raw[Math.Min(position, raw.Length)..];
        return rest.IsEmpty || rest is "\n" or "\r\n" or "\r"
            ? null
            : new MalformedQuoting(Math.Max(0, csv.RowFieldCount - 1), position, QuotingProblem.TextAfterClosingQuote);
    }
}
