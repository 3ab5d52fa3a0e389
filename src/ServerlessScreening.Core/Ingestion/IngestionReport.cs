namespace ServerlessScreening.Ingestion;

/// <summary>A row, a field of a row, or the whole file (line 0) that could not be used, and why, in words a site data manager can act on.</summary>
public sealed record Rejection(int Line, string? Column, string Code, string Message);

/// <summary>Rows that were read correctly but are not used (or used with a caveat), grouped by what they have in common.</summary>
public sealed record RowGroup(string Code, string What, int Count, int FirstLine);

public static class UploadStatus
{
    /// <summary>Every row was read; each was used, ignored or rejected as the counts say.</summary>
    public const string Ingested = "ingested";

    /// <summary>Reading stopped part-way (a quote that never closes took the rest of the file); rows before the stop were used.</summary>
    public const string Partial = "partial";

    /// <summary>Nothing could be read; the file was moved aside intact.</summary>
    public const string Quarantined = "quarantined";

    /// <summary>A coverage manifest was read and applied.</summary>
    public const string Manifest = "manifest";
}

/// <summary>
/// The ingestion report of one upload (OUTPUTS.md, "Reports"). Every data row is accounted for:
/// <c>RowsRead = RowsUsed + RowsIgnored + RowsRejected</c>.
/// </summary>
public sealed record IngestionReport
{
    public const string SchemaId = "screening.ingestion-report/v1";

    public string Schema { get; init; } = SchemaId;

    public required string Upload { get; init; }

    public required string SiteId { get; init; }

    public string? Sha256 { get; init; }

    public long Bytes { get; init; }

    public required string Status { get; init; }

    public string? Kind { get; init; }

    public string? Format { get; init; }

    public string? Encoding { get; init; }

    public string? DateFormat { get; init; }

    public int RowsRead { get; init; }

    public int RowsUsed { get; init; }

    public int RowsIgnored { get; init; }

    public int RowsRejected { get; init; }

    public int BlankLines { get; init; }

    /// <summary>
    /// Rows rejected, fields rejected from rows that were otherwise used, and problems with the file as a whole (line 0),
    /// each with its line, column and reason. <see cref="RowsRejected"/> counts only the rows.
    /// </summary>
    public IReadOnlyList<Rejection> Rejections { get; init; } = [];

    /// <summary>True when there are more rejections than are listed; <see cref="RejectionsByCode"/> still counts them all.</summary>
    public bool RejectionsTruncated { get; init; }

    public IReadOnlyDictionary<string, int> RejectionsByCode { get; init; } = new SortedDictionary<string, int>(StringComparer.Ordinal);

    public IReadOnlyList<RowGroup> Ignored { get; init; } = [];

    public IReadOnlyList<RowGroup> Warnings { get; init; } = [];

    /// <summary>Header names of columns that were not read: unknown to the kind, or direct identifiers (names, addresses) that are never copied.</summary>
    public IReadOnlyList<string> ColumnsNotRead { get; init; } = [];

    public string? Coverage { get; init; }

    public int PatientsTouched { get; init; }

    public IReadOnlyList<string> Patients { get; init; } = [];
}
