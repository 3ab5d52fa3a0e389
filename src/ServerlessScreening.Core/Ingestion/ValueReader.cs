using System.Collections.Frozen;
using System.Globalization;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Ingestion;

/// <summary>
/// A numeric result as read from a field: a number, or a censored number when <see cref="Comparator"/> is set. Kept as a
/// value until normalisation has its final number, so a converted result is made into a <see cref="LabValue"/> once.
/// </summary>
public readonly record struct NumericResult(decimal Number, string? Comparator)
{
    public LabValue ToLabValue() => ToLabValue(Number);

    /// <summary>The lab value of the same kind and comparator with <paramref name="number"/>, e.g. the number in another unit.</summary>
    public LabValue ToLabValue(decimal number) => Comparator is null ? LabValue.Of(number) : LabValue.Censor(Comparator, number);
}

/// <summary>Reads numbers, lab result values, sex and yes/no answers as sites export them.</summary>
public sealed class ValueReader
{
    private static readonly FrozenDictionary<string, Qualitative> QualitativeWords = new Dictionary<string, Qualitative>(StringComparer.Ordinal)
    {
        ["positive"] = Qualitative.Positive,
        ["pos"] = Qualitative.Positive,
        ["detected"] = Qualitative.Positive,
        ["reactive"] = Qualitative.Positive,
        ["present"] = Qualitative.Positive,
        ["weaklypositive"] = Qualitative.Positive,
        ["+"] = Qualitative.Positive,
        ["++"] = Qualitative.Positive,
        ["+++"] = Qualitative.Positive,
        ["++++"] = Qualitative.Positive,
        ["1+"] = Qualitative.Positive,
        ["2+"] = Qualitative.Positive,
        ["3+"] = Qualitative.Positive,
        ["4+"] = Qualitative.Positive,
        ["阳性"] = Qualitative.Positive,
        ["弱阳性"] = Qualitative.Positive,
        ["阳性(+)"] = Qualitative.Positive,
        ["(+)"] = Qualitative.Positive,
        ["negative"] = Qualitative.Negative,
        ["neg"] = Qualitative.Negative,
        ["notdetected"] = Qualitative.Negative,
        ["nondetected"] = Qualitative.Negative,
        ["undetected"] = Qualitative.Negative,
        ["nonreactive"] = Qualitative.Negative,
        ["absent"] = Qualitative.Negative,
        ["none"] = Qualitative.Negative,
        ["nil"] = Qualitative.Negative,
        ["-"] = Qualitative.Negative,
        ["(-)"] = Qualitative.Negative,
        ["阴性"] = Qualitative.Negative,
        ["阴性(-)"] = Qualitative.Negative,
        ["未检出"] = Qualitative.Negative,
        ["equivocal"] = Qualitative.Equivocal,
        ["indeterminate"] = Qualitative.Equivocal,
        ["borderline"] = Qualitative.Equivocal,
        ["±"] = Qualitative.Equivocal,
        ["+-"] = Qualitative.Equivocal,
        ["trace"] = Qualitative.Equivocal,
        ["可疑"] = Qualitative.Equivocal,
        ["弱阳性±"] = Qualitative.Equivocal,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public ValueReader(char decimalSeparator = '.') => DecimalSeparator = decimalSeparator;

    public char DecimalSeparator { get; }

    public bool TryNumber(ReadOnlySpan<char> text, out decimal value)
    {
        text = text.Trim();
        if (TryPlainDecimal(text, DecimalSeparator, out value))
        {
            return true;
        }

        if (DecimalSeparator == ',')
        {
            Span<char> buffer = stackalloc char[Math.Min(text.Length, 64)];
            if (text.Length > 64)
            {
                value = 0;
                return false;
            }

            for (var i = 0; i < text.Length; i++)
            {
                buffer[i] = text[i] == ',' ? '.' : text[i];
            }

            return decimal.TryParse(buffer, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }

        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// The common case without the general parser: an optional sign, up to 18 digits and one decimal separator, read
    /// exactly into a decimal with the written scale (1.0 stays 1.0). Anything else (exponents, group separators,
    /// longer numbers) falls back to <see cref="decimal.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider, out decimal)"/>.
    /// </summary>
    internal static bool TryPlainDecimal(ReadOnlySpan<char> text, char separator, out decimal value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (text.Length > 0 && text[0] is '-' or '+')
        {
            negative = text[0] == '-';
            i = 1;
        }

        long mantissa = 0;
        var digits = 0;
        var scale = -1;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                if (++digits > 18)
                {
                    return false;
                }

                mantissa = (mantissa * 10) + (c - '0');
                if (scale >= 0)
                {
                    scale++;
                }
            }
            else if (c == separator && scale < 0)
            {
                scale = 0;
            }
            else
            {
                return false;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        value = new decimal((int)mantissa, (int)(mantissa >> 32), 0, negative, (byte)Math.Max(scale, 0));
        return true;
    }

    public Parsed<decimal?> OptionalNumber(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Parsed<decimal?>.Ok(null);
        }

        return TryNumber(text, out var value)
            ? Parsed<decimal?>.Ok(value)
            : Parsed<decimal?>.Error(ErrorCodes.InvalidNumber, $"{what} '{Clip(text)}' is not a number" + (DecimalSeparator == '.' ? " (use '.' for decimals, or declare ',' in the site profile)" : string.Empty));
    }

    /// <summary>A lab value: a number, a censored number (<c>&lt;0.1</c>, <c>&gt;= 5</c>), or a qualitative word or grade.</summary>
    public Parsed<LabValue> LabValue(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Parsed<LabValue>.Error(ErrorCodes.MissingValue, "the result value is empty");
        }

        if (TryNumericLabValue(text.AsSpan().Trim(), out var numeric))
        {
            return Parsed<LabValue>.Ok(numeric.ToLabValue());
        }

        // Symbols first ('-', '+-' lose their meaning once hyphens are folded away), then words.
        var symbols = text.Trim().Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        if (QualitativeWords.TryGetValue(symbols, out var qualitative) || QualitativeWords.TryGetValue(Text.Keys.CachedName(text), out qualitative))
        {
            return Parsed<LabValue>.Ok(Facts.LabValue.Of(qualitative, text.Trim()));
        }

        if (FindingText(text) is { } finding)
        {
            return Parsed<LabValue>.Ok(Facts.LabValue.Of(finding, text.Trim()));
        }

        return Parsed<LabValue>.Error(
            ErrorCodes.InvalidLabValue,
            $"result '{Clip(text)}' is not a number, a censored value (<x, >x) or a qualitative result (positive/negative, +/-, 阳性/阴性)");
    }

    /// <summary>
    /// The numeric forms of <see cref="LabValue(string?)"/>, read from a trimmed span without allocating text: a number,
    /// or a censored number (<c>&lt;0.1</c>, <c>&gt;= 5</c>, <c>≤</c>, <c>≥</c> and their full-width forms).
    /// </summary>
    public bool TryNumericLabValue(ReadOnlySpan<char> trimmed, out NumericResult value)
    {
        value = default;
        if (TryNumber(trimmed, out var number))
        {
            value = new NumericResult(number, null);
            return true;
        }

        var comparatorLength = trimmed switch
        {
            ['<', '=', ..] or ['>', '=', ..] => 2,
            ['<', ..] or ['>', ..] or ['≤', ..] or ['≥', ..] or ['＜', ..] or ['＞', ..] => 1,
            _ => 0,
        };
        if (comparatorLength > 0 && TryNumber(trimmed[comparatorLength..], out var bound))
        {
            var comparator = trimmed[..comparatorLength] switch
            {
                "<=" => "<=",
                ">=" => ">=",
                "<" or "＜" => "<",
                ">" or "＞" => ">",
                "≤" => "<=",
                "≥" => ">=",
                _ => throw new System.Diagnostics.UnreachableException("the comparator patterns above are the only prefixes matched"),
            };
            value = new NumericResult(bound, comparator);
            return true;
        }

        return false;
    }

    /// <summary>
    /// A qualitative result written as a finding, as SNOMED-coded exports do: "Urine protein test = ++ (finding)",
    /// "Urine leukocyte test negative (finding)", "Urine microscopy: no casts (finding)".
    /// </summary>
    private static Qualitative? FindingText(string text)
    {
        var body = text.Trim();
        var parenthesis = body.LastIndexOf('(');
        if (parenthesis > 0 && body.EndsWith(')'))
        {
            body = body[..parenthesis].Trim();
        }

        var equals = body.LastIndexOf('=');
        var grade = equals >= 0 ? body[(equals + 1)..].Trim() : null;
        if (grade is not null && (QualitativeWords.TryGetValue(grade.ToLowerInvariant(), out var byGrade) || QualitativeWords.TryGetValue(Text.Keys.Name(grade), out byGrade)))
        {
            return byGrade;
        }

        var words = " " + body.ToLowerInvariant().Replace(':', ' ') + " ";
        if (words.Contains(" negative ", StringComparison.Ordinal) || words.Contains(" no ", StringComparison.Ordinal) || words.Contains(" not detected ", StringComparison.Ordinal))
        {
            return Qualitative.Negative;
        }

        return words.Contains(" positive ", StringComparison.Ordinal) || words.Contains(" detected ", StringComparison.Ordinal) ? Qualitative.Positive : null;
    }

    public static Parsed<Sex?> Sex(string? text) =>
        text is null ? Parsed<Sex?>.Ok(null) : Text.Keys.CachedName(text) switch
        {
            "" => Parsed<Sex?>.Ok(null),
            "f" or "female" or "woman" or "女" or "女性" => Parsed<Sex?>.Ok(Facts.Sex.Female),
            "m" or "male" or "man" or "男" or "男性" => Parsed<Sex?>.Ok(Facts.Sex.Male),
            _ => Parsed<Sex?>.Error(ErrorCodes.InvalidSex, $"sex '{Clip(text!)}' is not F/M, female/male or 女/男"),
        };

    public static Parsed<bool?> YesNo(string? text, string what) =>
        text is null ? Parsed<bool?>.Ok(null) : Text.Keys.CachedName(text) switch
        {
            "" => Parsed<bool?>.Ok(null),
            "yes" or "y" or "true" or "1" or "是" => Parsed<bool?>.Ok(true),
            "no" or "n" or "false" or "0" or "否" => Parsed<bool?>.Ok(false),
            _ => Parsed<bool?>.Error(ErrorCodes.InvalidBoolean, $"{what} '{Clip(text!)}' is not yes or no"),
        };

    internal static string Clip(string text) => text.Length <= 40 ? text.Trim() : string.Concat(text.AsSpan(0, 40), "…");
}
