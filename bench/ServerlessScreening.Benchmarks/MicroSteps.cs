using System.Diagnostics;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Benchmarks;

/// <summary>Per-step cost of reading one lab row (`bench steps`): where the parse-and-normalise path spends its time.</summary>
public static class MicroSteps
{
    public static int Run()
    {
        const int n = 1_000_000;
        var context = new ReadContext("s", "uploads/s/labs.csv", ParseSettings.Default, LabCatalog.Default, DrugCatalog.Default);
        var headers = new List<string> { "patient_id", "collected_at", "test_code", "test_name", "value", "unit", "reference_range" };
        var map = ColumnMap.Create(headers, CanonicalSchema.LabColumns, new SiteProfile());
        var row = new CsvRow(headers, map);
        row.Reset(2, ["P0000001", "2023-05-04 17:30", "4485-9", "Complement C3", "121.5", "mg/dL", "40-160"]);
        var normalizer = new LabNormalizer(LabCatalog.Default, context.Values);
        var test = LabCatalog.Default.FindByLoinc("4485-9")!;
        var report = new ReportBuilder();
        var reader = new LabRowReader(context);
        var buffer = new FactBuffer("s", "u", int.MaxValue);

        Time("row[\"patient_id\"] x10", n, () => { for (var i = 0; i < 10; i++) { _ = row["patient_id"]; } });
        Time("date", n, () => context.Dates.Read("2023-05-04 17:30"));
        Time("resolve test", n, () => normalizer.ResolveTest("4485-9", null, "Complement C3", context.Settings.Profile));
        Time("lab value", n, () => context.Values.LabValue("121.5"));
        var value = LabValue.Of(121.5m);
        var identity = new LabIdentity(Timestamp.OfDate(new DateOnly(2023, 5, 4)), "4485-9", null, "C3", new SourceRef("u", 2));
        Time("normalize", n, () => normalizer.Normalize(test, value, "121.5", "mg/dL", "40-160", identity, out _));
        Time("whole row (reader)", n, () => reader.Read(row, buffer, report));
        return 0;
    }

    private static void Time(string name, int count, Action action)
    {
        for (var i = 0; i < 10_000; i++)
        {
            action();
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            action();
        }

        Console.WriteLine($"{name,-24} {watch.Elapsed.TotalNanoseconds / count,8:0} ns");
    }
}
