using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using ServerlessScreening.Text;

namespace ServerlessScreening.Vocabulary;

public sealed record MassUnit(string Unit, decimal Milligrams, IReadOnlyList<string> Aliases, IReadOnlyList<string> Sources);

public sealed record DosingFrequency(string Code, int Times, int Period, string PeriodUnit, IReadOnlyList<string> Aliases, IReadOnlyList<string> Sources);

/// <summary>
/// How a dose and its frequency written in different ways compare, loaded from <c>dosing.json</c>: mass units
/// (g, mg, µg and their names in English and Chinese) as milligrams, and frequencies (HL7 timing abbreviations such
/// as BID, their phrases, FHIR's <c>2/1d</c> form, <c>q8h</c>) as a rate, so that <c>1 g BID</c> and
/// <c>1000 mg twice daily</c> are the same dosing. Anything else compares as written.
/// </summary>
public sealed partial class Dosing
{
    // Hours per period unit; months and years are not a whole number of hours, so their rates only equal their own kind.
    private static readonly FrozenDictionary<string, int> HoursPer = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["h"] = 1,
        ["d"] = 24,
        ["wk"] = 168,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Exports repeat a handful of unit and frequency spellings: their readings are remembered, up to this many.</summary>
    private const int CacheLimit = 10_000;

    private readonly FrozenDictionary<string, decimal> _milligrams;
    private readonly FrozenDictionary<string, string> _rates;
    private readonly ConcurrentDictionary<string, decimal?> _milligramsBySpelling = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string?> _ratesBySpelling = new(StringComparer.Ordinal);

    private Dosing(DosingFile file)
    {
        MassUnits = file.MassUnits;
        Frequencies = file.Frequencies;
        _milligrams = file.MassUnits
            .SelectMany(u => u.Aliases.Append(u.Unit).Select(a => (Key: Keys.Unit(a), u.Milligrams)))
            .DistinctBy(x => x.Key)
            .ToFrozenDictionary(x => x.Key, x => x.Milligrams, StringComparer.Ordinal);
        _rates = file.Frequencies
            .SelectMany(f => f.Aliases.Append(f.Code).Select(a => (Key: Keys.Name(a), Rate: Rate(f.Times, f.Period, f.PeriodUnit))))
            .DistinctBy(x => x.Key)
            .ToFrozenDictionary(x => x.Key, x => x.Rate, StringComparer.Ordinal);
    }

    public static Dosing Default { get; } = LoadEmbedded();

    public IReadOnlyList<MassUnit> MassUnits { get; }

    public IReadOnlyList<DosingFrequency> Frequencies { get; }

    public static Dosing Load(TextReader json)
    {
        var file = JsonSerializer.Create().Deserialize<DosingFile>(new JsonTextReader(json))
            ?? throw new InvalidDataException("The dosing vocabulary is empty.");
        return new Dosing(file);
    }

    /// <summary>A dose in milligrams when its unit is a known mass unit; otherwise null.</summary>
    public decimal? InMilligrams(decimal dose, string? unit)
    {
        if (unit is null)
        {
            return null;
        }

        if (!_milligramsBySpelling.TryGetValue(unit, out var factor))
        {
            factor = _milligrams.TryGetValue(Keys.Unit(unit), out var known) ? known : null;
            if (_milligramsBySpelling.Count < CacheLimit)
            {
                _milligramsBySpelling.TryAdd(unit, factor);
            }
        }

        return dose * factor;
    }

    /// <summary>
    /// The frequency as a rate key (e.g. <c>1/12h</c> for BID, every 12 hours and <c>2/1d</c>), equal for equal
    /// rates; null when the text is not a frequency this vocabulary or the FHIR and <c>qNh</c> forms describe.
    /// </summary>
    public string? RateOf(string? frequency)
    {
        if (string.IsNullOrWhiteSpace(frequency))
        {
            return null;
        }

        if (_ratesBySpelling.TryGetValue(frequency, out var remembered))
        {
            return remembered;
        }

        var rate = ReadRate(frequency);
        if (_ratesBySpelling.Count < CacheLimit)
        {
            _ratesBySpelling.TryAdd(frequency, rate);
        }

        return rate;
    }

    private string? ReadRate(string frequency)
    {
        if (_rates.TryGetValue(Keys.Name(frequency), out var rate))
        {
            return rate;
        }

        var text = frequency.Trim().ToLowerInvariant();
        if (FhirForm().Match(text) is { Success: true } fhir)
        {
            return Rate(int.Parse(fhir.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(fhir.Groups[2].Value, CultureInfo.InvariantCulture), fhir.Groups[3].Value);
        }

        return EveryHours().Match(text) is { Success: true } hours
            ? Rate(1, int.Parse(hours.Groups[1].Value, CultureInfo.InvariantCulture), "h")
            : null;
    }

    /// <summary>Times per period as a fraction in lowest terms, over hours where the period converts to hours.</summary>
    private static string Rate(int times, int period, string periodUnit)
    {
        if (times <= 0 || period <= 0)
        {
            return $"{times}/{period}{periodUnit}";
        }

        var (unit, length) = HoursPer.TryGetValue(periodUnit, out var hours) ? ("h", (long)period * hours) : (periodUnit, period);
        var divisor = Gcd(times, length);
        return $"{times / divisor}/{length / divisor}{unit}";

        static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
    }

    /// <summary>FHIR Timing written as times/period and unit, as the FHIR reader records it (<c>2/1d</c>, <c>1/2wk</c>).</summary>
    [GeneratedRegex(@"^(\d{1,4})\s*/\s*(\d{1,4})\s*(h|d|wk|mo|a)$", RegexOptions.CultureInvariant)]
    private static partial Regex FhirForm();

    /// <summary><c>q8h</c>, <c>q 8 h</c>, <c>every 8 hours</c>.</summary>
    [GeneratedRegex(@"^(?:q\s*|every\s+)(\d{1,3})\s*(?:h|hrs?|hours?)$", RegexOptions.CultureInvariant)]
    private static partial Regex EveryHours();

    private static Dosing LoadEmbedded()
    {
        using var stream = typeof(Dosing).Assembly.GetManifestResourceStream("ServerlessScreening.Vocabulary.dosing.json")
            ?? throw new InvalidOperationException("dosing.json is not embedded in the core assembly.");
        using var reader = new StreamReader(stream);
        return Load(reader);
    }

    private sealed record DosingFile(List<MassUnit> MassUnits, List<DosingFrequency> Frequencies);
}
