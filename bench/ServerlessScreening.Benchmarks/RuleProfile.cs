using System.Diagnostics;
using ServerlessScreening.Protocols;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// Time and allocation per criterion, to see where an evaluation spends its effort (`bench profile`). Each patient
/// gets a fresh context and its criteria run in protocol order, as in the engine, so work a context does on first
/// use is charged to the first criterion that needs it. "verdict" is what the engine adds around the rules (site
/// confirmations, evidence de-duplication, the verdict itself): a whole evaluation less the parts.
/// Each figure is the best of several rounds, so a burst of other work on a shared machine does not distort it.
/// </summary>
public static class RuleProfile
{
    private const int Rounds = 15;

    public static int Run()
    {
        // 500 patients do not fit in the processor's caches, as in production; 16 do, which shows the computation alone.
        var cold = Measure(500);
        var hot = Measure(16);
        Console.WriteLine($"{"",-8} {"500 patients (cold)",27} {"16 patients (hot)",27}");
        for (var i = 0; i < cold.Count; i++)
        {
            Console.WriteLine($"{cold[i].Name,-8} {cold[i].Micros,8:0.00} µs {cold[i].Bytes,8:0} bytes {hot[i].Micros,8:0.00} µs {hot[i].Bytes,8:0} bytes");
        }

        return 0;
    }

    private static List<(string Name, double Micros, double Bytes)> Measure(int patientCount)
    {
        var screening = new DateOnly(2025, 6, 1);
        var engine = EvaluationBenchmark.Engine();
        var patients = SyntheticPatients.Create(patientCount, screening);
        var defaults = new ScreeningDefaults(screening);
        var criteria = engine.Protocol.Criteria;

        // Slots: the context, each criterion, then the whole evaluation.
        var slots = criteria.Count + 2;
        var whole = slots - 1;
        var best = Enumerable.Repeat(double.MaxValue, slots).ToArray();
        var bytes = new double[slots];
        var passes = Math.Max(1, 1_000 / patientCount);

        // Warm up until every method runs fully optimised code, then measure.
        RunRound(10);
        for (var round = 0; round < Rounds; round++)
        {
            var (ticks, allocated) = RunRound(passes);
            var count = (double)passes * patientCount;
            for (var s = 0; s < slots; s++)
            {
                best[s] = Math.Min(best[s], ticks[s] * 1e6 / Stopwatch.Frequency / count);
                bytes[s] = allocated[s] / count;
            }
        }

        var lines = new List<(string Name, double Micros, double Bytes)> { ("context", best[0], bytes[0]) };
        for (var i = 0; i < criteria.Count; i++)
        {
            lines.Add((criteria[i].Id, best[i + 1], bytes[i + 1]));
        }

        lines.Add(("verdict", best[whole] - best[..whole].Sum(), bytes[whole] - bytes[..whole].Sum()));
        lines.Add(("total", best[whole], bytes[whole]));
        return lines;

        (long[] Ticks, long[] Allocated) RunRound(int passes)
        {
            var ticks = new long[slots];
            var allocated = new long[slots];
            long start, before;
            for (var pass = 0; pass < passes; pass++)
            {
                start = Stopwatch.GetTimestamp();
                before = GC.GetAllocatedBytesForCurrentThread();
                foreach (var patient in patients)
                {
                    GC.KeepAlive(engine.Evaluate(patient, defaults));
                }

                ticks[whole] += Stopwatch.GetTimestamp() - start;
                allocated[whole] += GC.GetAllocatedBytesForCurrentThread() - before;

                foreach (var patient in patients)
                {
                    start = Stopwatch.GetTimestamp();
                    before = GC.GetAllocatedBytesForCurrentThread();
                    var context = engine.CreateContext(patient, defaults);
                    Charge(0);
                    for (var i = 0; i < criteria.Count; i++)
                    {
                        criteria[i].Rule.Evaluate(context);
                        Charge(i + 1);
                    }
                }
            }

            return (ticks, allocated);

            void Charge(int slot)
            {
                var now = Stopwatch.GetTimestamp();
                var nowAllocated = GC.GetAllocatedBytesForCurrentThread();
                ticks[slot] += now - start;
                allocated[slot] += nowAllocated - before;
                start = now;
                before = nowAllocated;
            }
        }
    }
}
