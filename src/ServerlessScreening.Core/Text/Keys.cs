using System.Text;

namespace ServerlessScreening.Text;

/// <summary>Canonical forms used to match names that sites spell in many ways.</summary>
public static class Keys
{
    private const int CacheLimit = 100_000;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> NameCache = new(StringComparer.Ordinal);

    /// <summary>
    /// <see cref="Name"/> for the short texts that repeat across rows and patients (routes, code systems, condition
    /// names): normalised once, then looked up. Bounded, so adversarial input cannot grow it without limit.
    /// </summary>
    public static string CachedName(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (NameCache.TryGetValue(text, out var key))
        {
            return key;
        }

        key = Name(text);
        if (text.Length <= 200 && NameCache.Count < CacheLimit)
        {
            NameCache.TryAdd(text, key);
        }

        return key;
    }

    /// <summary>
    /// Header and name key: Unicode-compatibility normalised (full-width forms become ASCII),
    /// lower-case invariant, with spaces, underscores and hyphens removed, as INPUTS.md specifies for headers.
    /// </summary>
    public static string Name(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Compatibility normalisation of ASCII is the identity; skipping it keeps the common case off ICU.
        var normalized = Ascii.IsValid(text) ? text : text.Normalize(NormalizationForm.FormKC);
        var builder = new StringBuilder(normalized.Length);
        foreach (var ch in normalized)
        {
            if (ch is ' ' or '_' or '-' or '\t' or '\u00A0' or '\u3000' or '\uFEFF')
            {
                continue;
            }

            builder.Append(char.ToLowerInvariant(ch));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Unit key: compatibility-normalised, lower-case, without spaces; micro signs and the Greek mu read as <c>u</c>,
    /// powers written <c>10*9</c>, <c>10^9</c> or <c>10⁹</c> all read <c>10^9</c>, and <c>×</c> reads <c>x</c>.
    /// </summary>
    public static string Unit(string unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        const string superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var text = unit.Trim();
        var builder = new StringBuilder(text.Length + 4);
        var inPower = false;
        foreach (var ch in text)
        {
            var power = superscripts.IndexOf(ch, StringComparison.Ordinal);
            if (power >= 0)
            {
                if (!inPower)
                {
                    builder.Append('^');
                }

                builder.Append((char)('0' + power));
                inPower = true;
                continue;
            }

            inPower = false;
            switch (ch)
            {
                case ' ' or '\u00A0' or '\u3000':
                    continue;
                case 'µ' or 'μ':
                    builder.Append('u');
                    continue;
                case '×':
                    builder.Append('x');
                    continue;
                case '*':
                    builder.Append('^');
                    continue;
                default:
                    if (char.IsAscii(ch))
                    {
                        builder.Append(char.ToLowerInvariant(ch));
                    }
                    else
                    {
                        builder.Append(ch.ToString().Normalize(NormalizationForm.FormKC).ToLowerInvariant());
                    }

                    continue;
            }
        }

        return builder.ToString();
    }
}
