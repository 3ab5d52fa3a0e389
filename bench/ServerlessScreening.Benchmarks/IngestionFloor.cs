using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ServerlessScreening.Ingestion;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// How fast a canonical lab export could be ingested at best with one JSON object written per row: the file read as
/// spans with no strings made, then each step a shard needs added on top, with none of the pipeline's objects,
/// normalisation or reports. The steps run one after another in one process, so the later ones find the runtime's
/// code optimised and the file in the page cache: each figure bounds the pipeline from above.
/// </summary>
public static class IngestionFloor
{
    private static readonly JsonEncodedText TestIdName = JsonEncodedText.Encode("testId");
    private static readonly JsonEncodedText DateName = JsonEncodedText.Encode("date");
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText NumberName = JsonEncodedText.Encode("number");
    private static readonly JsonEncodedText UnitName = JsonEncodedText.Encode("unit");
    private static readonly JsonEncodedText BlobName = JsonEncodedText.Encode("blob");
    private static readonly JsonEncodedText LineName = JsonEncodedText.Encode("line");
    private static readonly JsonEncodedText BenchUpload = JsonEncodedText.Encode("uploads/site-bench/labs.csv");

    /// <summary>Each step does the work of the ones declared before it, and more.</summary>
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
        Steps.DatesNumbersAndJson => "and a JSON object of six to seven values written per row",
        _ => throw new ArgumentOutOfRangeException(nameof(steps)),
    };

    private static long Read(string file, Steps steps)
    {
        using var csv = IngestionBenchmark.OpenBare(file);
        var (collectedAt, testCode, value, unit) = (csv.GetOrdinal("collected_at"), csv.GetOrdinal("test_code"), csv.GetOrdinal("value"), csv.GetOrdinal("unit"));
        var dates = new DateReader();
        var values = new ValueReader('.');
        var output = new ArrayBufferWriter<byte>(1 << 20);
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        Span<char> text = stackalloc char[16];
        long rows = 0;
        long checksum = 0;
        while (csv.Read())
        {
            rows++;
            var collected = dates.Read(csv.GetFieldSpan(collectedAt));
            checksum += collected.IsOk ? collected.Value.Date.DayNumber : 0;
            var number = 0m;
            if (steps >= Steps.DatesAndNumbers && values.TryNumber(csv.GetFieldSpan(value), out number))
            {
                checksum += (long)number;
            }

            if (steps < Steps.DatesNumbersAndJson)
            {
                continue;
            }

            writer.WriteStartObject();
            writer.WriteString(TestIdName, csv.GetFieldSpan(testCode));
            if (collected.IsOk)
            {
                collected.Value.Date.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture);
                writer.WriteString(DateName, text[..written]);
                if (collected.Value.Time is { } time)
                {
                    time.TryFormat(text, out written, "HH:mm:ss", CultureInfo.InvariantCulture);
                    writer.WriteString(TimeName, text[..written]);
                }
            }

            writer.WriteNumber(NumberName, number);
            writer.WriteString(UnitName, csv.GetFieldSpan(unit));
            writer.WriteString(BlobName, BenchUpload);
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
