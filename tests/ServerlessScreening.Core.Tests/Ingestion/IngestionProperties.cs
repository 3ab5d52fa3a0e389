using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Sylvan.Data.Csv;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Tests.Ingestion;

/// <summary>Properties of the reader over generated input: what a CSV writer produces round-trips, and nothing crashes it.</summary>
public sealed class IngestionProperties
{
    private static readonly string[] Codes = ["2890-2", "2889-4", "14959-1", "777-3", "6690-2", "4485-9", "21198-7"];

    public sealed record LabRow(string PatientId, DateOnly Date, string Code, decimal Value, string Unit);

    private static Gen<LabRow> Rows() =>
        from patient in Gen.Elements("P", "Q", "张", "a,b", "say \"hi\"", "x;y", "in ner").SelectMany(prefix => Gen.Choose(0, 999).Select(n => prefix + n.ToString(CultureInfo.InvariantCulture)))
        from days in Gen.Choose(0, 365 * 30)
        from code in Gen.Elements(Codes)
        from cents in Gen.Choose(0, 1_000_000)
        from unitIndex in Gen.Choose(0, 10)
        let test = LabCatalog.Default.FindByLoinc(code)!
        let units = test.Units.SelectMany(u => u.Aliases.Append(u.Unit)).ToList()
        select new LabRow(patient, new DateOnly(2000, 1, 1).AddDays(days), code, cents / 100m, units[unitIndex % units.Count]);

    private static Gen<(LabRow[] Rows, char Delimiter, int Encoding)> Files() =>
        from rows in Rows().ArrayOf()
        from delimiter in Gen.Elements(',', ';', '\t')
        from encoding in Gen.Choose(0, 3)
        select (rows, delimiter, encoding);

    [Property(MaxTest = 150)]
    public Property What_a_csv_writer_produces_is_read_back_to_the_same_facts() =>
        Prop.ForAll(Files().ToArbitrary(), file =>
        {
            var bytes = Write(file.Rows, file.Delimiter, file.Encoding);
            var (outcome, sink) = CsvIngestion.RunAsync(bytes).GetAwaiter().GetResult();
            var labs = sink.Labs.ToList();
            Assert.Equal(file.Rows.Length, outcome.Report.RowsUsed);
            Assert.Equal(file.Rows.Length, labs.Count);
            for (var i = 0; i < file.Rows.Length; i++)
            {
                var row = file.Rows[i];
                var lab = labs[i];
                var test = LabCatalog.Default.FindByLoinc(row.Code)!;
                var expected = Math.Round(LabCatalog.Default.FindUnit(test, row.Unit)!.Apply(row.Value), 6);
                Assert.Equal((i + 2, test.Id, row.Date, expected, test.CanonicalUnit), (lab.Source.Line, lab.TestId, lab.CollectedAt.Date, lab.Value.Number!.Value, lab.Unit));
            }

            return sink.Shards.Select(s => s.PatientId).ToHashSet().SetEquals(file.Rows.Select(r => r.PatientId));
        });

    [Property(MaxTest = 300)]
    public Property No_byte_sequence_crashes_the_reader() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var (outcome, _) = CsvIngestion.RunAsync(bytes).GetAwaiter().GetResult();
            var report = outcome.Report;
            return report.RowsRead == report.RowsUsed + report.RowsIgnored + report.RowsRejected && report.Sha256 is { Length: 64 };
        });

    [Property(MaxTest = 300)]
    public Property No_text_under_a_lab_header_crashes_the_reader() =>
        Prop.ForAll(ArbMap.Default.ArbFor<string[]>(), lines =>
        {
            var text = "patient_id,collected_at,test_code,value,unit\n" + string.Join("\n", (lines ?? []).Select(l => l ?? string.Empty));
            var (outcome, _) = CsvIngestion.RunAsync(text).GetAwaiter().GetResult();
            var report = outcome.Report;
            return report.RowsRead == report.RowsUsed + report.RowsIgnored + report.RowsRejected
                && report.Rejections.All(r => r.Line >= 0 && !string.IsNullOrEmpty(r.Code) && !string.IsNullOrEmpty(r.Message));
        });

    // The quoting check judges lax reading by strict reading's standard: on any text, the records strict reading
    // accepts are exactly those the check passes, with the same values, up to the first record strict reading refuses,
    // which the check finds malformed. Strict reading stops there; lax reading, and so the ingestor, goes on.
    [Property(MaxTest = 2000)]
    public Property The_quoting_check_finds_exactly_what_strict_reading_refuses() =>
        // A lone carriage return is left out: strict reading's vectorised path takes it for data and its other path for a
        // line end, a difference of line ends that has nothing to do with quoting (lax reading always ends the line).
        Prop.ForAll(Gen.Elements("a", "b", "\"", ",", "\n", "\r\n").ArrayOf().Select(string.Concat).ToArbitrary(), body =>
        {
            var text = "h1,h2,h3\n" + body;
            var strict = ReadRecords(text, CsvStyle.Standard, out var strictFailed);
            var lax = ReadRecords(text, CsvStyle.Lax, out _);
            for (var i = 0; i < strict.Count; i++)
            {
                Assert.Null(lax[i].Problem);
                Assert.Equal(strict[i].Values, lax[i].Values);
            }

            if (strictFailed)
            {
                Assert.NotNull(lax[strict.Count].Problem);
            }
            else
            {
                Assert.Equal(strict.Count, lax.Count);
            }

            return true;
        });

    private static List<(string[] Values, ServerlessScreening.Ingestion.MalformedQuoting? Problem)> ReadRecords(string text, CsvStyle style, out bool failed)
    {
        var records = new List<(string[], ServerlessScreening.Ingestion.MalformedQuoting?)>();
        failed = false;
        try
        {
            using var csv = CsvDataReader.Create(new StringReader(text), new CsvDataReaderOptions { HasHeaders = true, CsvStyle = style, Comment = '\0', Delimiter = ',' });
            while (csv.Read())
            {
                var values = Enumerable.Range(0, csv.RowFieldCount).Select(i => csv.GetFieldSpan(i).ToString()).ToArray();
                records.Add((values, ServerlessScreening.Ingestion.CsvQuoting.Check(csv)));
            }
        }
        catch (CsvFormatException)
        {
            failed = true;
        }

        return records;
    }

    private static byte[] Write(LabRow[] rows, char delimiter, int encodingChoice)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = CsvDataWriter.Create(text, new CsvDataWriterOptions { Delimiter = delimiter, NewLine = "\r\n" }))
        {
            var table = new System.Data.DataTable();
            foreach (var column in new[] { "patient_id", "collected_at", "test_code", "value", "unit" })
            {
                table.Columns.Add(column, typeof(string));
            }

            foreach (var row in rows)
            {
                table.Rows.Add(row.PatientId, row.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), row.Code, row.Value.ToString(CultureInfo.InvariantCulture), row.Unit);
            }

            writer.Write(table.CreateDataReader());
        }

        Encoding encoding = encodingChoice switch
        {
            0 => new UTF8Encoding(false),
            1 => new UTF8Encoding(true),
            2 => new UnicodeEncoding(false, true),
            _ => ServerlessScreening.Ingestion.TextDecoding.Gb18030,
        };
        return encoding.GetPreamble().Concat(encoding.GetBytes(text.ToString())).ToArray();
    }
}
