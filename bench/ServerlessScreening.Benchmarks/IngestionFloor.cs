using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ServerlessScreening.Ingestion;
using Sylvan.Data.Csv;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// How fast a lab export could be ingested at best with one JSON object written per row: the same file read as
/// spans with no strings made, then each step a shard needs added on top, with none of the pipeline's objects,
/// normalisation or reports. Each figure bounds the pipeline from above, to set against the bare string read the
/// ingestion target is measured by.
/// </summary>
public static class IngestionFloor
{
    private static readonly JsonEncodedText TestIdName = JsonEncodedText.Encode("testId");
    private static readonly JsonEncodedText DateName = JsonEncodedText.Encode("date");
    private static readonly JsonEncodedText NumberName = JsonEncodedText.Encode("number");
    private static readonly JsonEncodedText UnitName = JsonEncodedText.Encode("unit");
    private static readonly JsonEncodedText BlobName = JsonEncodedText.Encode("blob");
    private static readonly JsonEncodedText LineName = JsonEncodedText.Encode("line");
    private static readonly JsonEncodedText Blob = JsonEncodedText.Encode("uploads/site-bench/labs.csv");

    private enum Steps
    {
        Dates,
        DatesAndNumbers,
        DatesNumbersAndJson,
    }

    public static int Run(string file)
    {
        foreach (var steps in Enum.GetValues<Steps>())
        {
            var watch = Stopwatch.StartNew();
            var rows = Read(file, steps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Describe(steps),-62} {rows / watch.Elapsed.TotalSeconds,12:N0} rows/s"));
        }

        return 0;
    }

    private static string Describe(Steps steps) => steps switch
    {
        Steps.Dates => "fields as spans, the date parsed",
        Steps.DatesAndNumbers => "and the value parsed as a decimal",
        _ => "and a six-property JSON object written (Utf8JsonWriter)",
    };

    private static long Read(string file, Steps steps)
    {
        // The file's columns: patient_id, collected_at, test_code, test_name, value, unit, reference_range.
        using var csv = CsvDataReader.Create(new StreamReader(file, Encoding.UTF8, true, 64 * 1024), new CsvDataReaderOptions { BufferSize = 64 * 1024 });
        var dates = new DateReader();
        var values = new ValueReader('.');
        var output = new ArrayBufferWriter<byte>(1 << 20);
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        Span<byte> utf8 = stackalloc byte[256];
        long rows = 0;
        long checksum = 0;
        while (csv.Read())
        {
            rows++;
            var collected = dates.Read(csv.GetFieldSpan(1));
            checksum += collected.IsOk ? collected.Value.Date.DayNumber : 0;
            var value = 0m;
            if (steps >= Steps.DatesAndNumbers && values.TryNumber(csv.GetFieldSpan(4), out value))
            {
                checksum += (long)value;
            }

            if (steps < Steps.DatesNumbersAndJson)
            {
                continue;
            }

            writer.WriteStartObject();
            writer.WriteString(TestIdName, utf8[..Encoding.UTF8.GetBytes(csv.GetFieldSpan(2), utf8)]);
            _ = collected.Value.Date.TryFormat(utf8, out var written, "O", CultureInfo.InvariantCulture);
            writer.WriteString(DateName, utf8[..written]);
            writer.WriteNumber(NumberName, value);
            writer.WriteString(UnitName, utf8[..Encoding.UTF8.GetBytes(csv.GetFieldSpan(5), utf8)]);
            writer.WriteString(BlobName, Blob);
            writer.WriteNumber(LineName, rows + 1);
            writer.WriteEndObject();
            if (writer.BytesPending + output.WrittenCount > 1 << 19)
            {
                // Dropped, as the ingestion benchmark drops its shards.
                writer.Flush();
                checksum += output.WrittenCount;
                output.ResetWrittenCount();
                writer.Reset(output);
            }
        }

        GC.KeepAlive(checksum);
        return rows;
    }
}
