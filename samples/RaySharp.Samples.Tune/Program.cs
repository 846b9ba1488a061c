using System.Diagnostics;
using System.Globalization;
using RaySharp;
using RaySharp.Samples.Tune;
using RaySharp.Tune;
using Tune = RaySharp.Tune.Tune;

// Tunes an ML.NET FastTree classifier with RaySharp.Tune on a local cluster:
//   dotnet run --project samples/RaySharp.Samples.Tune -c Release [-- run [--samples N]]   ASHA search, prints the best config
//   dotnet run --project samples/RaySharp.Samples.Tune -c Release -- bench                 JSON lines: trials/s (no-op), ASHA vs FIFO
var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
var samples = args.SkipWhile(a => a != "--samples").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(16);
var storage = Path.Combine(Path.GetTempPath(), $"raysharp-tune-sample-{Environment.ProcessId}");
const int MaxIterations = 8;

Ray.Init(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = Math.Max(2, Environment.ProcessorCount) });
try
{
    if (mode == "bench")
    {
        Bench();
        return 0;
    }
    var (results, asha, _) = Search(new AsyncHyperBandScheduler(maxT: MaxIterations, gracePeriod: 1, reductionFactor: 4), "asha", verbose: 1);
    var best = results.GetBestResult();
    var early = results.Count(r => r.EarlyStopped);
    Console.WriteLine($"Best config: {best.Config}");
    Console.WriteLine($"Best validation AUC: {best.Metrics["auc"]:F4} (accuracy {best.Metrics["accuracy"]:F4}) after {best.Metrics[ResultFields.TrainingIteration]} iterations");
    Console.WriteLine($"ASHA stopped {early} of {results.Count} trials early ({100.0 * early / results.Count:F0}%).");
    if (2 * early < results.Count)
    {
        Console.Error.WriteLine("Expected ASHA to stop at least half of the trials early.");
        return 1;
    }
    return 0;
}
finally
{
    Ray.Shutdown();
    if (Directory.Exists(storage))
    {
        Directory.Delete(storage, recursive: true);
    }
}

(ResultGrid Results, AsyncHyperBandScheduler? Asha, TimeSpan Elapsed) Search(TrialScheduler scheduler, string name, int verbose)
{
    var data = TabularData.Generate(rows: 4000, trainFraction: 0.75, seed: 1);
    var space = new Dictionary<string, object?>
    {
        ["learning_rate"] = Tune.LogUniform(0.01, 0.5),
        ["num_leaves"] = Tune.RandInt(2, 64),
        ["min_examples_per_leaf"] = Tune.RandInt(1, 100),
        ["feature_fraction"] = Tune.Uniform(0.3, 1.0),
    };
    var clock = Stopwatch.StartNew();
    var results = new Tuner(Tune.WithParameters(FastTreeTrial.Train, data), space,
        new TuneConfig
        {
            Metric = "auc",
            Mode = TuneMode.Max,
            NumSamples = samples,
            Scheduler = scheduler,
            // The same seed for ASHA and FIFO: both see the same configs in the same order.
            SearchAlgorithm = new BasicVariantGenerator(seed: 7),
        },
        new RunConfig
        {
            Name = name,
            StoragePath = storage,
            Verbose = verbose,
            Stop = new Dictionary<string, double> { [ResultFields.TrainingIteration] = MaxIterations },
        }).Fit();
    return (results, scheduler as AsyncHyperBandScheduler, clock.Elapsed);
}

void Bench()
{
    foreach (var reuse in new[] { false, true })
    {
        const int Trials = 20;
        var clock = Stopwatch.StartNew();
        var noop = new Tuner(FastTreeTrial.Noop, new Dictionary<string, object?> { ["i"] = Tune.RandInt(0, 1000) },
            new TuneConfig { NumSamples = Trials, ReuseActors = reuse },
            new RunConfig { Name = $"noop-{reuse}", StoragePath = storage, Verbose = 0 }).Fit();
        Line("tune_noop_trials_per_s", clock.Elapsed.TotalSeconds, $"\"trials\":{noop.Count},\"reuse_actors\":{(reuse ? "true" : "false")},\"value\":{Trials / clock.Elapsed.TotalSeconds:F2}");
    }
    foreach (var (name, scheduler) in new (string, TrialScheduler)[]
    {
        ("asha", new AsyncHyperBandScheduler(maxT: MaxIterations, gracePeriod: 1, reductionFactor: 4)),
        ("fifo", new FifoScheduler()),
    })
    {
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var (results, _, elapsed) = Search(scheduler, $"bench-{name}", verbose: 0);
        var bestAuc = results.SelectMany(r => r.MetricsHistory).Max(m => m["auc"]);
        var firstBest = results.SelectMany(r => r.MetricsHistory).Where(m => m["auc"] == bestAuc).Min(m => m["timestamp"]);
        Line($"tune_mlnet_{name}", elapsed.TotalSeconds,
            $"\"trials\":{results.Count},\"early_stopped\":{results.Count(r => r.EarlyStopped)},\"best_auc\":{bestAuc:F4},\"time_to_best_s\":{firstBest - started:F2},\"total_s\":{elapsed.TotalSeconds:F2}");
    }
}

static void Line(string name, double seconds, string fields) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"bench\":\"{name}\",\"seconds\":{seconds:F2},{fields},\"cpus\":{Environment.ProcessorCount},\"date\":\"{DateTime.UtcNow:yyyy-MM-dd}\"}}"));
