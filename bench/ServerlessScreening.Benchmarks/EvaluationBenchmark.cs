using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using ServerlessScreening.Facts;
using ServerlessScreening.Protocols;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Benchmarks;

/// <summary>The full lupus nephritis protocol over one patient with ~300 lab results and 40 medication rows, on one core.</summary>
[MemoryDiagnoser]
[SimpleJob(RuntimeMoniker.Net10_0)]
public class EvaluationBenchmark
{
    private static readonly DateOnly Screening = new(2025, 6, 1);
    private List<PatientRecord> _patients = [];
    private ScreeningEngine _engine = null!;
    private readonly ScreeningDefaults _defaults = new(Screening);
    private int _next;

    /// <summary>
    /// How many generated patients the benchmark cycles through. 512 (about 45 MB of facts) do not
    /// fit in the processor's caches, so each evaluation finds its facts in memory; 16 (about 1.4 MB) do, as a
    /// patient's facts are in the pipeline, which evaluates a record right after reading its shards.
    /// </summary>
    [Params(16, 512)]
    public int DistinctPatients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _engine = Engine();
        _patients = SyntheticPatients.Create(DistinctPatients, Screening);
    }

    private PatientRecord Next() => _patients[(int)((uint)_next++ % (uint)_patients.Count)];

    [Benchmark(Description = "evaluate one patient (300 labs, 40 medications, 17 criteria)")]
    public string EvaluatePatient()
    {
        var patient = Next();
        return _engine.Evaluate(patient, _defaults).Outcome;
    }

    /// <summary>
    /// The same, with the record's lab timeline (its results grouped by test and ordered by recency) built again first:
    /// a record is built once per evaluation in the pipeline, so this is what one patient costs there, shard reading aside.
    /// </summary>
    [Benchmark(Description = "build the lab timeline, then evaluate one patient")]
    public string BuildAndEvaluatePatient()
    {
        var patient = Next();
        return _engine.Evaluate(patient with { Labs = patient.Labs }, _defaults).Outcome;
    }

    /// <summary>
    /// The first step of the above alone: a record's lab timeline built again from its 300 results, which are out of
    /// cache and in no particular order (as a new patient's are), so this is the step's cost with its cache misses and
    /// mispredicted branches, apart from the evaluation's noise.
    /// </summary>
    [Benchmark(Description = "build the lab timeline only")]
    public PatientRecord BuildTimeline()
    {
        var patient = Next();
        return patient with { Labs = patient.Labs };
    }

    public static ScreeningEngine Engine(TimeProvider? time = null) =>
        new(ProtocolDefinition.LoadFile(Path.Combine(AppContext.BaseDirectory, "protocols", "lupus-nephritis-ucmsc-il2.protocol.json")), LabCatalog.Default, DrugCatalog.Default, time ?? TimeProvider.System);

    /// <summary>
    /// A plain timed loop on one thread, for a quick figure without BenchmarkDotNet's full run; with
    /// <paramref name="build"/>, each record's lab timeline is built again first, as in <see cref="BuildAndEvaluatePatient"/>.
    /// </summary>
    public static int Quick(int count, int distinct = 2_000, bool build = false)
    {
        var engine = Engine();
        var patients = SyntheticPatients.Create(Math.Min(count, distinct), Screening);
        var defaults = new ScreeningDefaults(Screening);
        for (var i = 0; i < 2_000; i++)
        {
            engine.Evaluate(patients[i % patients.Count], defaults);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var patient = patients[i % patients.Count];
            engine.Evaluate(build ? patient with { Labs = patient.Labs } : patient, defaults);
        }

        watch.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var perPatient = (GC.GetAllocatedBytesForCurrentThread() - allocated) / count;
        Console.WriteLine($"{count} evaluations in {watch.Elapsed.TotalSeconds:0.000} s ({cpuSeconds:0.000} s CPU): {count / watch.Elapsed.TotalSeconds:0} patients/s on one thread over {patients.Count} distinct patients{(build ? ", timeline built each time" : string.Empty)}, {perPatient} bytes allocated per patient");
        return 0;
    }
}
