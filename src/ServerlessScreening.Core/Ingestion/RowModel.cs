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

/// <summary>One row of a CSV upload, addressed by canonical column name.</summary>
public sealed class CsvRow
{
    private static readonly string[] DemographicColumns = ["sex", "birth_date", "screening_date", "consent_date", "randomization_date", "childbearing_potential"];

    private readonly IReadOnlyList<string> _headers;
    private readonly ColumnMap _map;
    private string?[] _fields = [];

    public CsvRow(IReadOnlyList<string> headers, ColumnMap map)
    {
        _headers = headers;
        _map = map;
        HasDemographics = DemographicColumns.Any(map.Has);
    }

    /// <summary>Whether the file has any demographic column at all; decided once per file, not per row.</summary>
    public bool HasDemographics { get; }

    public int Line { get; private set; }

    public void Reset(int line, string?[] fields)
    {
        Line = line;
        _fields = fields;
    }

    /// <summary>The trimmed value of a canonical column, or null when the column is absent or the field empty.</summary>
    public string? this[string column]
    {
        get
        {
            var ordinal = _map.OrdinalOf(column);
            if (ordinal is not { } i || i >= _fields.Length)
            {
                return null;
            }

            var value = _fields[i];
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
    }

    public bool Has(string column) => _map.Has(column);

    public string? ImpliedCodeSystem(string column) => _map.ImpliedCodeSystem(column);

    /// <summary>The header as the site wrote it, for messages that point at a column.</summary>
    public string Header(string column) => _map.HeaderOf(column, _headers);

    public Rejection Reject(string column, string code, string message) => new(Line, Header(column), code, message);
}

/// <summary>Reads the rows of one kind into facts. Every row ends in exactly one of: used, ignored, rejected.</summary>
public interface IRowReader
{
    void Read(CsvRow row, IFactSink sink, ReportBuilder report);
}
