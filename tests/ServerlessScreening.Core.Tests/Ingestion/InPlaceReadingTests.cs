using System.Globalization;
using System.Text;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Tests.Ingestion;

/// <summary>
/// Lab rows are read in place (fields as spans, repeated values shared, unit and range normalisation remembered per
/// test, unit and range): these pin down the cases where that could differ from reading every field as a string.
/// </summary>
public sealed class InPlaceReadingTests
{
    private const string Header = "patient_id,site_id,collected_at,test_code,test_name,value,unit,reference_range\n";

    [Fact]
    public async Task Fields_are_trimmed_inside_and_outside_quotes()
    {
        var text = Header
            + " P1 , SITE-001 , 2025-03-01T08:30:00Z ,2890-2,,\"  weakly-positive\n\",g/g,\n"
            + "P1,site-001,2025-03-01,2890-2,,\" ＜5 \",g/g,\" 1～3 \"\n";

        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        Assert.Equal(2, outcome.Report.RowsUsed);
        var labs = sink.Labs.ToList();
        Assert.Equal(["P1"], outcome.Report.Patients);
        Assert.Equal(Qualitative.Positive, labs[0].Value.Result);
        Assert.Equal("weakly-positive", labs[0].RawValue);
        Assert.Equal(new Timestamp(new DateOnly(2025, 3, 1), new TimeOnly(8, 30), TimeSpan.Zero), labs[0].CollectedAt);
        Assert.Equal((LabValueKind.Censored, "<", 5m), (labs[1].Value.Kind, labs[1].Value.Comparator, labs[1].Value.Number));
        Assert.Equal((1m, 3m), (labs[1].ReferenceLow, labs[1].ReferenceHigh));
    }

    [Fact]
    public async Task The_same_unit_with_different_ranges_keeps_each_range()
    {
        var text = Header
            + "P1,,2025-03-01,2890-2,,226.24,mg/mmol,5-400\n"
            + "P1,,2025-03-02,2890-2,,113.12,mg/mmol,10-20\n"
            + "P1,,2025-03-03,2890-2,,113.12,mg/mmol,5-400\n"
            + "P1,,2025-03-04,2890-2,,1.5,furlongs,5-400\n"
            + "P1,,2025-03-05,2890-2,,1.5,furlongs,10-20\n";

        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        var labs = sink.Labs.ToList();
        Assert.Equal([2m, 1m, 1m], labs.Take(3).Select(l => l.Value.Number!.Value));
        Assert.Equal([0.044201m, 0.088402m, 0.044201m], labs.Take(3).Select(l => l.ReferenceLow!.Value));
        Assert.Equal(["226.24", "113.12", "113.12"], labs.Take(3).Select(l => l.RawValue));
        Assert.All(labs.Take(3), l => Assert.Equal("mg/mmol", l.RawUnit));
        Assert.All(labs.Skip(3), l => Assert.Equal((false, "furlongs", (decimal?)null), (l.UnitRecognized, l.Unit, l.ReferenceLow)));
        var warning = Assert.Single(outcome.Report.Warnings);
        Assert.Equal((2, 5), (warning.Count, warning.FirstLine));
    }

    [Fact]
    public async Task More_distinct_values_than_are_shared_are_all_read()
    {
        // Well past the number of distinct values shared at a time, interleaved so that evicted values come back.
        var text = new StringBuilder(Header);
        for (var i = 0; i < 3 * 4096; i++)
        {
            var patient = (i * 7919 % 5000).ToString("D5", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"P{patient},,2025-03-01,2890-2,,1,g/g,{i % 5000}-{(i % 5000) + 1}\n");
        }

        var (outcome, sink) = await CsvIngestion.RunAsync(text.ToString(), flushThreshold: 1_000);

        Assert.Equal(3 * 4096, outcome.Report.RowsUsed);
        Assert.Equal(5000, outcome.Report.PatientsTouched);
        var labs = sink.Labs.ToList();
        Assert.Equal(3 * 4096, labs.Count);
        Assert.All(labs, l => Assert.Equal((l.Source.Line - 2) % 5000, l.ReferenceLow));
        Assert.All(sink.Shards, s => Assert.All(s.Labs, l => Assert.Equal(s.PatientId, "P" + ((l.Source.Line - 2) * 7919 % 5000).ToString("D5", CultureInfo.InvariantCulture))));
    }
}
