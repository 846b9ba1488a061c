using RaySharp.Tune;

namespace RaySharp.Tests.Integration.Tune;

using Tune = RaySharp.Tune.Tune;

/// <summary>
/// The Tuner on the tests' real cluster (2 CPUs: two trial actors at a time, each its own worker process), after Ray
/// Tune's test_tuner.py and test_trial_scheduler.py: grid search, FIFO, stop criteria, metrics history, ASHA.
/// </summary>
[Collection("Cluster")]
public sealed class TunerTests(ClusterFixture cluster)
{
    [Fact]
    public void Grid_search_runs_a_trial_for_every_point_with_its_whole_metrics_history()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        var space = new Dictionary<string, object?>
        {
            ["x"] = Tune.GridSearch(0.0, 1.0, 2.0),
            ["opt"] = Tune.GridSearch("sgd", "adam"),
        };
        var results = new Tuner(TuneTrainables.Quadratic, space,
            new TuneConfig { Metric = "score", Mode = TuneMode.Max },
            new RunConfig { Name = "grid", StoragePath = storage.Path, Verbose = 0 }).Fit();

        Assert.Equal(6, results.Count);
        Assert.Equal(
            new[] { (0.0, "sgd"), (1.0, "sgd"), (2.0, "sgd"), (0.0, "adam"), (1.0, "adam"), (2.0, "adam") }.Order(),
            results.Select(r => (r.Config.Get<double>("x"), r.Config.Get<string>("opt"))).Order());
        Assert.All(results, r =>
        {
            Assert.Equal(TrialStatus.Terminated, r.Status);
            Assert.False(r.EarlyStopped);
            Assert.Equal([1.0, 2.0, 3.0], r.MetricsHistory.Select(m => m[ResultFields.TrainingIteration]));
            var x = r.Config.Get<double>("x");
            Assert.Equal([1 - ((x - 2) * (x - 2)), 2 - ((x - 2) * (x - 2)), 3 - ((x - 2) * (x - 2))], r.MetricsHistory.Select(m => m["score"]));
            Assert.True(r.MetricsHistory.Zip(r.MetricsHistory.Skip(1)).All(p => p.Second[ResultFields.TimeTotal] >= p.First[ResultFields.TimeTotal]));
            // Written as it came: one JSON line per result in the trial's directory.
            Assert.Equal(3, File.ReadAllLines(Path.Combine(r.Path, "result.json")).Length);
        });
        var best = results.GetBestResult();
        Assert.Equal(2.0, best.Config.Get<double>("x"));
        Assert.Equal(3.0, best.Metrics["score"]);
        Assert.Equal(0, results.NumErrors);
        Assert.Contains("trial_", results.ToTable(), StringComparison.Ordinal);
        Assert.True(Tuner.CanRestore(results.ExperimentPath));
    }

    [Fact]
    public void Stop_criteria_end_each_trial_at_the_threshold()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        var results = new Tuner(TuneTrainables.ConstantScore, new Dictionary<string, object?> { ["value"] = Tune.Uniform(0, 1) },
            new TuneConfig { NumSamples = 2 },
            new RunConfig { Name = "stop", StoragePath = storage.Path, Verbose = 0, Stop = new Dictionary<string, double> { [ResultFields.TrainingIteration] = 4 } }).Fit();

        Assert.Equal(2, results.Count);
        Assert.All(results, r =>
        {
            Assert.Equal(TrialStatus.Terminated, r.Status);
            Assert.Equal(4, r.MetricsHistory.Count);
            Assert.Equal(r.Config.Get<double>("value"), r.Metrics["score"]);
        });
    }

    [Fact]
    public void Asha_stops_the_trials_known_to_be_bad_at_the_first_rung()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        var asha = new AsyncHyperBandScheduler(maxT: 4, gracePeriod: 1, reductionFactor: 2);
        // One trial at a time, in grid order: the two good trials set the first rung's bar, the bad ones fall below it.
        var results = new Tuner(TuneTrainables.ConstantScore, new Dictionary<string, object?> { ["value"] = Tune.GridSearch(5.0, 5.0, 1.0, 2.0) },
            new TuneConfig { Metric = "score", Mode = TuneMode.Max, Scheduler = asha, MaxConcurrentTrials = 1 },
            new RunConfig { Name = "asha", StoragePath = storage.Path, Verbose = 0 }).Fit();

        Assert.Equal([4, 4, 1, 1], results.Select(r => r.MetricsHistory.Count));
        Assert.Equal([false, false, true, true], results.Select(r => r.EarlyStopped));
        Assert.All(results, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        Assert.Equal(2, asha.NumStopped);
    }

    [Fact]
    public void A_result_without_the_compared_metric_ends_the_experiment_with_an_error_as_Ray_checks_strictly()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        // Quadratic reports "score": a misspelt metric would silently turn ASHA off and leave no best result.
        var tuner = new Tuner(TuneTrainables.Quadratic, new Dictionary<string, object?> { ["x"] = Tune.GridSearch(1.0, 2.0) },
            new TuneConfig { Metric = "loss", Mode = TuneMode.Min, Scheduler = new AsyncHyperBandScheduler(maxT: 10, gracePeriod: 1, reductionFactor: 2) },
            new RunConfig { Name = "strict", StoragePath = storage.Path, Verbose = 0 });
        var ex = Assert.Throws<InvalidOperationException>(() => tuner.Fit());
        Assert.Contains("'loss'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("score", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_configs_are_refused_before_any_trial_runs()
    {
        cluster.EnsureRunning();
        var space = new Dictionary<string, object?> { ["x"] = 1 };
        Assert.Throws<ArgumentException>(() => new Tuner(TuneTrainables.Quadratic, space, new TuneConfig { NumSamples = 0 }));
        Assert.Throws<ArgumentException>(() => new Tuner(TuneTrainables.Quadratic, space, new TuneConfig { Metric = "score" }));
        Assert.Throws<ArgumentException>(() => new Tuner(TuneTrainables.Quadratic, space, new TuneConfig { Scheduler = new AsyncHyperBandScheduler() }));
        Assert.Throws<ArgumentException>(() => new Tuner(TuneTrainables.Quadratic, space, runConfig: new RunConfig { Name = "a/b" }));
        var tooBig = new Tuner(TuneTrainables.Quadratic, space, new TuneConfig { ResourcesPerTrial = new Dictionary<string, double> { ["CPU"] = 64 } },
            new RunConfig { StoragePath = Path.GetTempPath(), Name = $"rs-tune-{Guid.NewGuid():N}", Verbose = 0 });
        var ex = Assert.Throws<ArgumentException>(() => tooBig.Fit());
        Assert.Contains("CPU: 64", ex.Message, StringComparison.Ordinal);
    }
}
