using Sylvan.Data.Csv;
using ServerlessScreening.Facts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Ingestion;

/// <summary>One upload to ingest: its site, its container-qualified blob name and the settings it is read with.</summary>
public sealed record UploadDescriptor(string SiteId, string Blob, ParseSettings Settings);

/// <summary>What ingesting one upload produced: its report, whether it must be quarantined, and what it vouches for.</summary>
public sealed record IngestionOutcome(IngestionReport Report, bool Quarantine, IReadOnlyList<string> Patients, IReadOnlyList<string> Categories);

/// <summary>
/// Reads one upload end to end in a single streaming pass: detects encoding, dialect and kind, reads every row
/// into facts or a rejection, flushes facts in patient shards and hashes the bytes on the way. A file that cannot be
/// read at all comes back with <see cref="IngestionOutcome.Quarantine"/> set and a report that says why.
/// </summary>
public sealed class UploadIngestor(LabCatalog labs, DrugCatalog drugs, int flushThreshold = UploadIngestor.DefaultFlushThreshold)
{
    public const int DefaultFlushThreshold = 50_000;

    public async Task<IngestionOutcome> IngestAsync(UploadDescriptor upload, Stream content, IShardSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(sink);

        var hashing = new HashingReadStream(content);
        var report = new ReportBuilder();
        var buffer = new FactBuffer(upload.SiteId, upload.Blob, flushThreshold);
        var context = new ReadContext(upload.SiteId, upload.Blob, upload.Settings, labs, drugs);
        var declared = upload.Settings.Encoding is { } name ? TextDecoding.Named(name) : null;

        using var text = await TextDecoding.OpenAsync(hashing, declared, cancellationToken);
        var ndjson = upload.Settings.Kind is UploadKinds.FhirNdjson || (upload.Settings.Kind is null && text.Reader.Peek() == '{');
        CsvReadResult read;
        try
        {
            if (ndjson)
            {
                var any = await FhirNdjsonReader.ReadAsync(text.Reader, context, buffer, sink, report, cancellationToken);
                if (!any)
                {
                    report.FileProblem(new Rejection(0, null, ErrorCodes.FileMalformedJson, "the file starts like JSON but holds no FHIR resource on any line; FHIR bulk data is one resource per line (NDJSON)"));
                }

                read = new CsvReadResult(UploadKinds.FhirNdjson, false, any ? null : ErrorCodes.FileMalformedJson, []);
            }
            else
            {
                read = await CsvUploadReader.ReadAsync(text.Reader, context, buffer, sink, report, cancellationToken);
            }
        }
        catch (Exception)
        {
            await buffer.AbandonAsync();
            throw;
        }

        await buffer.CompleteAsync(sink, cancellationToken);
        var sha256 = await hashing.FinishAsync(cancellationToken);

        var status = read.FileError is not null && report.RowsRead == 0
            ? UploadStatus.Quarantined
            : read.Stopped ? UploadStatus.Partial : UploadStatus.Ingested;
        var patients = buffer.Patients.Order(StringComparer.Ordinal).ToList();
        var categories = Categories(read.Kind, buffer);
        var built = report.Build(upload.Blob, upload.SiteId, status) with
        {
            Sha256 = sha256,
            Bytes = hashing.BytesRead,
            Kind = read.Kind,
            Format = ndjson ? "ndjson" : "csv",
            Encoding = text.EncodingName,
            DateFormat = upload.Settings.DateFormat,
            ColumnsNotRead = read.ColumnsNotRead,
            Coverage = upload.Settings.CoveragePeriod?.ToString(),
            PatientsTouched = patients.Count,
            Patients = patients,
        };
        return new IngestionOutcome(built, status == UploadStatus.Quarantined, patients, categories);
    }

    private static List<string> Categories(string? kind, FactBuffer buffer)
    {
        var categories = new SortedSet<string>(StringComparer.Ordinal);
        switch (kind)
        {
            case UploadKinds.FhirNdjson:
                break;
            case UploadKinds.Labs or UploadKinds.SyntheaObservations:
                categories.Add(RecordCategories.Labs);
                break;
            case UploadKinds.Medications or UploadKinds.SyntheaMedications:
                categories.Add(RecordCategories.Medications);
                break;
            case UploadKinds.Patients or UploadKinds.SyntheaPatients:
                categories.Add(RecordCategories.Patients);
                break;
            case UploadKinds.SyntheaConditions:
                categories.Add(RecordCategories.Diagnoses);
                break;
            case UploadKinds.SyntheaProcedures:
                categories.Add(RecordCategories.Procedures);
                break;
            case UploadKinds.SyntheaImmunizations:
                categories.Add(RecordCategories.Immunizations);
                break;
            default:
                break;
        }

        if (kind == UploadKinds.FhirNdjson)
        {
            categories.UnionWith(buffer.FactCategories);
        }

        foreach (var type in buffer.ClinicalTypes)
        {
            categories.Add(RecordCategories.ForClinicalType(type));
        }

        return categories.ToList();
    }
}

/// <summary>How reading a CSV upload ended.</summary>
internal sealed record CsvReadResult(string? Kind, bool Stopped, string? FileError, IReadOnlyList<string> ColumnsNotRead);

/// <summary>
/// The CSV path of <see cref="UploadIngestor"/>: Sylvan.Data.Csv does the RFC 4180 reading and delimiter detection. It
/// reads in its lax style, because its strict style refuses every read after the first malformed field ("a previous
/// call to Read encountered an error and reading cannot continue"), which would lose the rest of the file. Lax reading
/// is as strict reading on well-formed records; <see cref="CsvQuoting"/> finds the malformed ones, which are rejected
/// one by one. The price is Sylvan's vectorised path, which it takes only in its strict style.
/// </summary>
internal static class CsvUploadReader
{
    private const int MaxRecordLength = 4 * 1024 * 1024;

    public static async Task<CsvReadResult> ReadAsync(TextReader text, ReadContext context, FactBuffer buffer, IShardSink sink, ReportBuilder report, CancellationToken cancellationToken)
    {
        var options = new CsvDataReaderOptions
        {
            HasHeaders = true,
            CsvStyle = CsvStyle.Lax,
            // '#' starts a comment by default; in hospital exports it is data.
            Comment = '\0',
            BufferSize = 64 * 1024,
            MaxBufferSize = MaxRecordLength,
            OwnsReader = false,
        };

        CsvDataReader csv;
        try
        {
            csv = await CsvDataReader.CreateAsync(text, options, cancellationToken);
        }
        catch (CsvMissingHeadersException)
        {
            report.FileProblem(new Rejection(0, null, ErrorCodes.FileEmpty, "the file is empty: it has no header row"));
            return new CsvReadResult(null, false, ErrorCodes.FileEmpty, []);
        }
        catch (CsvRecordTooLargeException)
        {
            // Creating the reader reads the header and the first row.
            report.FileProblem(new Rejection(1, null, ErrorCodes.FileMalformedCsv, $"the header row or the first row is longer than {MaxRecordLength:N0} characters: a quote that opens a value and never closes takes the rest of the file into it; close the quote and upload the file again"));
            return new CsvReadResult(null, false, ErrorCodes.FileMalformedCsv, []);
        }
        catch (CsvFormatException e)
        {
            report.FileProblem(new Rejection(1, null, ErrorCodes.FileMalformedCsv, "the header row is not valid CSV: " + e.Message));
            return new CsvReadResult(null, false, ErrorCodes.FileMalformedCsv, []);
        }

        await using (csv)
        {
            var headers = Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToList();
            var kinds = context.Settings.Kind is { } declared
                ? [declared]
                : CanonicalSchema.Match(headers, context.Settings.Profile).Concat(SyntheaSchema.Match(headers)).ToList();
            if (kinds.Count != 1)
            {
                var error = kinds.Count == 0 ? ErrorCodes.FileUnknownKind : ErrorCodes.FileAmbiguousKind;
                var message = kinds.Count == 0
                    ? $"the header row ({Describe(headers)}) matches no input kind (canonical labs, medications, patients or clinical, or a Synthea table); labs need patient_id, collected_at, test_code or test_name, and value; medications need patient_id, drug_name or drug_code, and start_date; patients need patient_id and sex or birth_date; clinical needs patient_id, date, type, and code or name"
                    : $"the header row matches more than one input kind ({string.Join(", ", kinds)}); split the file or name its kind in a manifest";
                report.FileProblem(new Rejection(1, null, error, message));
                return new CsvReadResult(null, false, error, []);
            }

            var kind = kinds[0];
            IReadOnlyList<ColumnSpec> columns;
            IRowReader reader;
            switch (kind)
            {
                case UploadKinds.Labs or UploadKinds.Medications or UploadKinds.Patients or UploadKinds.Clinical:
                    columns = CanonicalSchema.ColumnsOf(kind);
                    reader = kind switch
                    {
                        UploadKinds.Labs => new LabRowReader(context),
                        UploadKinds.Medications => new MedicationRowReader(context),
                        UploadKinds.Patients => new PatientRowReader(context),
                        _ => new ClinicalRowReader(context),
                    };
                    break;
                case UploadKinds.SyntheaPatients or UploadKinds.SyntheaObservations or UploadKinds.SyntheaMedications or UploadKinds.SyntheaConditions
                    or UploadKinds.SyntheaProcedures or UploadKinds.SyntheaImmunizations or UploadKinds.SyntheaNotUsed:
                    columns = SyntheaSchema.ColumnsOf(kind);
                    reader = SyntheaSchema.ReaderOf(kind, context);
                    break;
                default:
                    report.FileProblem(new Rejection(0, null, ErrorCodes.FileUnknownKind, $"kind '{kind}' named by the manifest is not a CSV kind this pipeline reads"));
                    return new CsvReadResult(null, false, ErrorCodes.FileUnknownKind, []);
            }

            var map = ColumnMap.Create(headers, columns, context.Settings.Profile);

            var stopped = await ReadRowsAsync(csv, headers, map, reader, buffer, sink, report, cancellationToken);
            return new CsvReadResult(kind, stopped, null, map.Unmapped);
        }
    }

    /// <summary>Returns true when reading stopped before the end of the file, or a quote left open took the rest of it.</summary>
    private static async Task<bool> ReadRowsAsync(CsvDataReader csv, List<string> headers, ColumnMap map, IRowReader reader, FactBuffer buffer, IShardSink sink, ReportBuilder report, CancellationToken cancellationToken)
    {
        var row = new CsvRow(headers, map);
        var columns = headers.Count;
        // Sylvan numbers records; lines differ once a quoted field spans lines, so embedded newlines are counted.
        var extraLines = 0;
        var restOfFileInOneValue = false;
        while (true)
        {
            bool more;
            try
            {
                more = await csv.ReadAsync(cancellationToken);
            }
            catch (CsvFormatException e)
            {
                // Lax reading throws only when a record outgrows the buffer; reading cannot go on after a throw.
                var line = 1 + e.RowNumber + extraLines;
                var problem = e is CsvRecordTooLargeException
                    ? $"the record at line {line} is longer than {MaxRecordLength:N0} characters: a quote that opens a value and never closes takes the rest of the file into it."
                    : $"malformed CSV at line {line}: {e.Message}";
                report.FileProblem(new Rejection(line, e.FieldOrdinal >= 0 && e.FieldOrdinal < headers.Count ? headers[e.FieldOrdinal] : null, ErrorCodes.FileMalformedCsv,
                    problem + " Reading stopped here; rows before it were used, rows from it on were not read. Fix the quoting and upload the file again."));
                return true;
            }

            if (!more)
            {
                return restOfFileInOneValue;
            }

            var lineNumber = 1 + csv.RowNumber + extraLines;
            var linesInside = csv.GetRawRecordSpan().TrimEnd("\r\n").Count('\n');
            extraLines += linesInside;
            if (CsvQuoting.Check(csv) is { } malformed)
            {
                var column = malformed.Field < columns ? headers[malformed.Field] : null;
                report.Reject(new Rejection(lineNumber, column, ErrorCodes.FileMalformedCsv, DescribeMalformedQuoting(malformed, column, lineNumber, lineNumber + linesInside)));
                restOfFileInOneValue |= malformed.Problem == QuotingProblem.NeverClosed;
                continue;
            }

            var count = csv.RowFieldCount;
            // Fields are looked at in place (spans); the row reader makes strings only of the values it keeps.
            var blank = true;
            for (var i = 0; i < columns && i < count && blank; i++)
            {
                blank = csv.GetFieldSpan(i).IsWhiteSpace();
            }

            var firstExtraValue = -1;
            for (var i = columns; i < count && firstExtraValue < 0; i++)
            {
                firstExtraValue = csv.GetFieldSpan(i).IsWhiteSpace() ? -1 : i;
            }

            var extraValues = firstExtraValue >= 0;

            if (blank && !extraValues)
            {
                report.Blank();
                continue;
            }

            if (extraValues)
            {
                // No header names the extra values; they run on past the last column, which is the one named. The stray
                // delimiter is in some value before them, and which one cannot be told from the row. No value is
                // quoted: the shifted values may come from any column, a name or an address among them.
                var lastColumn = headers[^1];
                report.Reject(new Rejection(lineNumber, lastColumn, ErrorCodes.FieldCount,
                    $"the row has {count} fields but the header has {columns}: its values run on past the last column, {lastColumn}, from field {firstExtraValue + 1}; a delimiter inside a value needs quotes"));
                continue;
            }

            row.Reset(lineNumber, csv);
            reader.Read(row, buffer, report);
            if (buffer.ShouldFlush)
            {
                await buffer.FlushAsync(sink, cancellationToken);
            }
        }
    }

    private static string DescribeMalformedQuoting(MalformedQuoting malformed, string? column, int firstLine, int lastLine)
    {
        var where = column ?? $"field {malformed.Field + 1}";
        if (malformed.Problem == QuotingProblem.NeverClosed)
        {
            return $"malformed quoting in {where}: a quoted value opens on line {firstLine} and never closes, so the rest of the file (lines {firstLine} to {lastLine}) was read into it and not used; close the quote and upload the file again";
        }

        // The text after the early closing quote is not quoted back: it may be from any column, a name among them.
        var problem = $"malformed quoting in {where}: the closing quote of a quoted value is followed by other text where a delimiter or the line end must come; a quote inside a quoted value is written twice (\"\").";
        return lastLine == firstLine
            ? problem + " The row was not used; the rows after it were."
            : problem + $" The record runs from line {firstLine} to line {lastLine}: a quote that does not close where it should takes the lines after it into the value, so lines {firstLine + 1} to {lastLine} were not read as rows either; the rows after line {lastLine} were.";
    }

    private static string Describe(List<string> headers) =>
        string.Join(", ", headers.Take(12).Select(h => h.Length > 30 ? h[..30] + "…" : h)) + (headers.Count > 12 ? ", …" : string.Empty);
}
