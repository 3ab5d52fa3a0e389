using ServerlessScreening.Facts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Ingestion;

/// <summary>Receives the facts read from an upload, patient by patient.</summary>
public interface IFactSink
{
    void Add(string patientId, Demographics fact);

    void Add(string patientId, LabResult fact);

    void Add(string patientId, MedicationRecord fact);

    void Add(string patientId, ClinicalFact fact);
}

/// <summary>What every row reader of one upload shares: where it came from and how to read its values.</summary>
public sealed class ReadContext
{
    public ReadContext(string siteId, string blob, ParseSettings settings, LabCatalog labs, DrugCatalog drugs)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SiteId = siteId;
        Blob = blob;
        Settings = settings;
        Labs = labs;
        Drugs = drugs;
        Dates = new DateReader(DateReader.ParseOrder(settings.DateFormat));
        Values = new ValueReader(settings.Profile.DecimalSeparator is "," ? ',' : '.');
    }

    public string SiteId { get; }

    public string Blob { get; }

    public ParseSettings Settings { get; }

    public LabCatalog Labs { get; }

    public DrugCatalog Drugs { get; }

    public DateReader Dates { get; }

    public ValueReader Values { get; }

    public SourceRef Source(int line) => new(Blob, line);
}

/// <summary>
/// One row of a CSV upload, addressed by canonical column name or by an ordinal resolved once per file
/// (<see cref="Ordinal"/>). The fields are either the current record of a Sylvan reader, read in place as spans
/// (valid until the reader moves on), or an array of strings (tests, benchmarks).
/// </summary>
public sealed class CsvRow
{
    private static readonly string[] DemographicColumns = ["sex", "birth_date", "screening_date", "consent_date", "randomization_date", "childbearing_potential"];

    // Short values that repeat across rows (patient ids, test codes, units, ranges) are kept as one string each,
    // so a file of millions of rows allocates them once per distinct value, not once per row.
    private readonly StringPool _pool = new();
    private readonly IReadOnlyList<string> _headers;
    private readonly ColumnMap _map;
    private Sylvan.Data.Csv.CsvDataReader? _csv;
    private string?[] _fields = [];

    public CsvRow(IReadOnlyList<string> headers, ColumnMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        _headers = headers;
        _map = map;
        DemographicHeaders = DemographicColumns.Where(map.Has).Select(column => map.HeaderOf(column, headers)).ToArray();
        HasDemographics = DemographicHeaders.Count > 0;
    }

    /// <summary>The column map of the file; row readers resolve their ordinals from it once per file.</summary>
    public ColumnMap Map => _map;

    /// <summary>Whether the file has any demographic column at all; decided once per file, not per row.</summary>
    public bool HasDemographics { get; }

    /// <summary>The file's demographic columns (sex, birth and screening dates, …) as the site named them, in canonical order.</summary>
    public IReadOnlyList<string> DemographicHeaders { get; }

    public int Line { get; private set; }

    public void Reset(int line, string?[] fields)
    {
        Line = line;
        _fields = fields;
        _csv = null;
    }

    /// <summary>The current record of <paramref name="csv"/>: fields are read from it on demand, without copying.</summary>
    internal void Reset(int line, Sylvan.Data.Csv.CsvDataReader csv)
    {
        Line = line;
        _csv = csv;
    }

    /// <summary>The trimmed value of a canonical column, or null when the column is absent or the field empty.</summary>
    public string? this[string column] => String(_map.Ordinal(column));

    /// <summary>Where a canonical column is in the file, or -1 when the file does not have it.</summary>
    public int Ordinal(string column) => _map.Ordinal(column);

    /// <summary>The trimmed field at <paramref name="ordinal"/>; empty when the column is absent (-1), the row shorter or the field blank.</summary>
    public ReadOnlySpan<char> Span(int ordinal)
    {
        if (ordinal < 0)
        {
            return default;
        }

        if (_csv is { } csv)
        {
            return ordinal < csv.RowFieldCount ? csv.GetFieldSpan(ordinal).Trim() : default;
        }

        return ordinal < _fields.Length ? _fields[ordinal].AsSpan().Trim() : default;
    }

    /// <summary>The trimmed field at <paramref name="ordinal"/> as a new string, or null when it is empty.</summary>
    public string? String(int ordinal)
    {
        var span = Span(ordinal);
        return span.IsEmpty ? null : span.ToString();
    }

    /// <summary>
    /// Like <see cref="String(int)"/>, for values that repeat across rows (codes, units, ranges, patient ids): equal
    /// values come back as one shared string instance. Not for values that rarely repeat, such as results.
    /// </summary>
    public string? Shared(int ordinal)
    {
        var span = Span(ordinal);
        return span.IsEmpty ? null : _pool.Get(span);
    }

    public bool Has(string column) => _map.Has(column);

    public string? ImpliedCodeSystem(string column) => _map.ImpliedCodeSystem(column);

    /// <summary>The header as the site wrote it, for messages that point at a column.</summary>
    public string Header(string column) => _map.HeaderOf(column, _headers);

    public Rejection Reject(string column, string code, string message) => new(Line, Header(column), code, message);
}

/// <summary>
/// A bounded set of strings looked up by span: the string for a span is allocated the first time it is seen and
/// shared afterwards. At most <see cref="Capacity"/> strings are kept; when full the set starts over, so memory is
/// bounded whatever the file holds and a file whose values do not repeat only costs the allocations it had anyway.
/// </summary>
internal sealed class StringPool
{
    public const int Capacity = 4096;

    /// <summary>Longer values are not pooled: they rarely repeat and would make the bound on memory loose.</summary>
    public const int MaxLength = 128;

    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public StringPool() => _bySpan = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<char> text)
    {
        if (_bySpan.TryGetValue(text, out var shared))
        {
            return shared;
        }

        var value = text.ToString();
        if (value.Length <= MaxLength)
        {
            if (_strings.Count >= Capacity)
            {
                _strings.Clear();
            }

            _strings.Add(value);
        }

        return value;
    }
}

/// <summary>Reads the rows of one kind into facts. Every row ends in exactly one of: used, ignored, rejected.</summary>
public interface IRowReader
{
    void Read(CsvRow row, IFactSink sink, ReportBuilder report);
}
