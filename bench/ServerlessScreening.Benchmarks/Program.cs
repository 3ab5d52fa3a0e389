using BenchmarkDotNet.Running;
using ServerlessScreening.Benchmarks;

return args.FirstOrDefault() switch
{
    "evaluation" => Run(() => BenchmarkRunner.Run<EvaluationBenchmark>(args: args[1..])),
    "profile" => RuleProfile.Run(),
    "steps" => MicroSteps.Run(),
    "ingestion-floor" when args.Length > 1 => IngestionFloor.Run(args[1]),
    "evaluation-stage" => EvaluationStage.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 8),
    "evaluation-quick" => EvaluationBenchmark.Quick(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2_000,
        args.Contains("--build")),
    "ingestion" => await IngestionBenchmark.RunAsync(args[1..]),
    "e2e" => await EndToEndBenchmark.RunAsync(args[1..]),
    "ingestion-case" => await IngestionBenchmark.CaseAsync(args[1..]),
    "verdict-digest" => await VerdictDigest.RunAsync(args[1..]),
    _ => Usage(),
};

static int Run(Action action)
{
    action();
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: bench evaluation [BenchmarkDotNet args] | evaluation-quick [evaluations] [distinct patients] [--build] | evaluation-stage [rounds] | ingestion [--rows N ...] [--keep] | e2e --patients N [--in-memory] [--batch-size N] [--evaluation-delay hh:mm:ss] | ingestion-case <mode> <file> | ingestion-floor <canonical lab export> | verdict-digest [file]");
    return 2;
}
