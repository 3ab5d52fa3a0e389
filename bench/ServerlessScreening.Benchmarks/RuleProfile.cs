using System.Diagnostics;
using ServerlessScreening.Protocols;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Benchmarks;

/// <summary>Time and allocation per criterion, to see where an evaluation spends its effort (`bench profile`).</summary>
public static class RuleProfile
{
    public static int Run()
    {
        var screening = new DateOnly(2025, 6, 1);
        var engine = EvaluationBenchmark.Engine();
        var patients = SyntheticPatients.Create(500, screening);
        var defaults = new ScreeningDefaults(screening);
        var contexts = patients.Select(p => new EvaluationContext(p, defaults, LabCatalog.Default, DrugCatalog.Default)).ToList();
        Measure("context", () => patients.ForEach(p => GC.KeepAlive(new EvaluationContext(p, defaults, LabCatalog.Default, DrugCatalog.Default))), patients.Count);
        foreach (var criterion in engine.Protocol.Criteria)
        {
            contexts.ForEach(c => criterion.Rule.Evaluate(c));
            Measure(criterion.Id, () => contexts.ForEach(c => criterion.Rule.Evaluate(c)), contexts.Count);
        }

        return 0;
    }

    private static void Measure(string name, Action action, int count)
    {
        const int rounds = 4;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            action();
        }

        Console.WriteLine($"{name,-8} {watch.Elapsed.TotalMicroseconds / (rounds * count),8:0.0} µs {(GC.GetAllocatedBytesForCurrentThread() - allocated) / (rounds * count),8} bytes");
    }
}
