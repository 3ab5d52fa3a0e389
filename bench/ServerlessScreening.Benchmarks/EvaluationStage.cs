using System.Diagnostics;
using ServerlessScreening.Facts;
using ServerlessScreening.Protocols;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// The processor work of the evaluation stage per patient, step by step, as <c>PatientEvaluator</c> does it once the
/// patient's shard bytes are read: deserialize the shard, merge it into a record (which builds the lab timeline),
/// evaluate, and serialize the verdict (its blob, history entry and content digest come from one serialization). Storage calls aside, this is what one
/// patient costs the evaluation stage, and it shows the engine's share of it.
/// </summary>
public static class EvaluationStage
{
    private static readonly DateOnly Screening = new(2025, 6, 1);

    public static int Run(int rounds = 5, int distinct = 512)
    {
        var engine = EvaluationBenchmark.Engine();
        var defaults = new ScreeningDefaults(Screening);
        var patients = SyntheticPatients.Create(distinct, Screening);
        var shards = patients.Select(p => ShardJson.Serialize(new PatientShard
        {
            SiteId = p.SiteId,
            PatientId = p.PatientId,
            Upload = "uploads/site-bench/labs.csv",
            Demographics = [.. p.Demographics],
            Labs = [.. p.Labs],
            Medications = [.. p.Medications],
            Clinical = [.. p.Clinical],
        })).ToArray();
        var input = new InputRef("uploads/site-bench/labs.csv", new string('0', 64));
        var steps = new double[4];
        for (var round = 0; round < rounds; round++)
        {
            var watch = new Stopwatch();
            var times = new double[4];
            for (var i = 0; i < shards.Length; i++)
            {
                watch.Restart();
                var shard = ShardJson.Deserialize(shards[i]);
                times[0] += watch.Elapsed.TotalMicroseconds;
                watch.Restart();
                var record = PatientRecord.FromShards(shard.SiteId, shard.PatientId, [(shard, input)], [], [input]);
                times[1] += watch.Elapsed.TotalMicroseconds;
                watch.Restart();
                var verdict = engine.Evaluate(record, defaults);
                times[2] += watch.Elapsed.TotalMicroseconds;
                watch.Restart();
                _ = ContractJson.SerializeWithDigest(verdict);
                times[3] += watch.Elapsed.TotalMicroseconds;
            }

            if (round > 0)
            {
                for (var s = 0; s < 4; s++)
                {
                    steps[s] = round == 1 ? times[s] / shards.Length : Math.Min(steps[s], times[s] / shards.Length);
                }
            }
        }

        Console.WriteLine($"{distinct} patients, shard {shards.Average(s => s.Length) / 1024:0} KB each; best of {rounds - 1} rounds, µs per patient:");
        string[] names = ["read the shard JSON", "merge into a record (timeline built)", "evaluate", "serialize the verdict, with its digest"];
        for (var s = 0; s < 4; s++)
        {
            Console.WriteLine($"  {names[s],-40} {steps[s],8:0.0} µs");
        }

        Console.WriteLine($"  {"total",-40} {steps.Sum(),8:0.0} µs");
        return 0;
    }
}
