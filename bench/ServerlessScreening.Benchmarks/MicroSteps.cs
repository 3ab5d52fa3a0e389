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

        Time("row[\"patient_id\"] x10", n, () => { for (var i = 0; i < 10; i++) { _ = row["patient_id"]; } });
        Time("date", n, () => context.Dates.Read("2023-05-04 17:30"));
        Time("resolve test", n, () => normalizer.ResolveTest("4485-9", null, "Complement C3", context.Settings.Profile));
        Time("lab value", n, () => context.Values.LabValue("121.5"));
        var value = LabValue.Of(121.5m);
        var identity = new LabIdentity(Timestamp.OfDate(new DateOnly(2023, 5, 4)), "4485-9", null, "C3", new SourceRef("u", 2));
        Time("normalize", n, () => normalizer.Normalize(test, value, "121.5", "mg/dL", "40-160", identity, out _));
        Time("whole row (reader)", n, () => reader.Read(row, DiscardingSink.Instance, report));
        return 0;
    }

    private static void Time(string name, int count, Action action)
    {
        // Warm up for a second, not a number of calls: a method reaches its optimised tier only after the runtime's
        // call-counting delay has passed with no new first-tier compilation, and a fixed 10,000 calls ended long
        // before that, so the timed loop ran mostly unoptimised code and overstated each step several times.
        var warmup = Stopwatch.StartNew();
        while (warmup.ElapsedMilliseconds < 1_000)
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

    /// <summary>Drops each fact: a buffer that kept millions of one patient's facts would time the collector, not the row.</summary>
    private sealed class DiscardingSink : IFactSink
    {
        public static readonly DiscardingSink Instance = new();

        public void Add(string patientId, Demographics fact)
        {
        }

        public void Add(string patientId, LabResult fact)
        {
        }

        public void Add(string patientId, MedicationRecord fact)
        {
        }

        public void Add(string patientId, ClinicalFact fact)
        {
        }
    }
}
