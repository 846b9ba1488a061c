using RaySharp.Tune;

namespace RaySharp.Tests.Integration.Tune;

using Tune = RaySharp.Tune.Tune;

/// <summary>
/// Population Based Training, class trainables, ReuseActors, WithParameters and TPE through the Tuner, on the tests' cluster
/// (after Ray Tune's test_trial_scheduler_pbt.py, test_api.py and test_tune_restore.py).
/// </summary>
[Collection("Cluster")]
public sealed class TunerFeatureTests(ClusterFixture cluster)
{
    [Fact]
    public void Pbt_copies_the_best_trials_checkpoint_into_the_worst_and_explores_its_config()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        var pbt = new PopulationBasedTraining(new Dictionary<string, object?> { ["lr"] = Tune.Uniform(0.01, 2) },
            timeAttr: ResultFields.TrainingIteration, perturbationInterval: 2, quantileFraction: 0.5, resampleProbability: 0, seed: 1);
        // One trial at a time: the good trial (lr 1) runs to iteration 6 first; the bad one (lr 0.1) is ranked against it at iteration 2.
        var results = new Tuner(TuneTrainables.Accumulate, new Dictionary<string, object?> { ["lr"] = Tune.GridSearch(1.0, 0.1) },
            new TuneConfig { Metric = "score", Mode = TuneMode.Max, Scheduler = pbt, MaxConcurrentTrials = 1 },
            new RunConfig { Name = "pbt", StoragePath = storage.Path, Verbose = 0, Stop = new Dictionary<string, double> { [ResultFields.TrainingIteration] = 6 } }).Fit();

        var (best, worst) = (results[0], results[1]);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], best.MetricsHistory.Select(m => m[ResultFields.TrainingIteration]));
        Assert.Equal(1, pbt.NumPerturbations);
        // The worst trial restarted from the best one's checkpoint at iteration 6 (value 6, written with lr 1)...
        Assert.Equal([1.0, 2, 7], worst.MetricsHistory.Select(m => m[ResultFields.TrainingIteration]));
        Assert.Equal(1.0, worst.Metrics["restored_writer_lr"]);
        Assert.True(File.Exists(Path.Combine(worst.Path, "checkpoint_000006", "state")), "the best trial's checkpoint was copied into the worst trial's directory");
        // ...with the best one's config, perturbed by 1.2 or 0.8.
        var lr = worst.Config.Get<double>("lr");
        Assert.Contains(lr, new[] { 1.2, 0.8 });
        Assert.Equal(6 + lr, worst.Metrics["score"], 9);
    }

    [Fact]
    public void A_class_trainable_runs_setup_step_save_and_restores_from_its_checkpoint()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        var results = new Tuner(TrainableDefinition.FromClass<CountingTrainable>(), new Dictionary<string, object?> { ["start"] = Tune.GridSearch(0, 100) },
            new TuneConfig(),
            new RunConfig { Name = "class", StoragePath = storage.Path, Verbose = 0, CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 2, CheckpointAtEnd = true } }).Fit();

        Assert.Equal([[1.0, 2, 3, 4, 5], [101.0, 102, 103, 104, 105]], results.Select(r => r.MetricsHistory.Select(m => m["count"]).ToArray()));
        Assert.All(results, r =>
        {
            Assert.Equal(TrialStatus.Terminated, r.Status);
            // Saved at 2 and 4 (frequency) and at the end (5).
            Assert.Equal(["checkpoint_000002", "checkpoint_000004", "checkpoint_000005"], Directory.GetDirectories(r.Path).Select(Path.GetFileName).Order());
            Assert.Equal(r.Metrics["count"].ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(r.Checkpoint!.Path, "count")));
        });
    }

    [Fact]
    public void A_class_trainables_cleanup_runs_when_its_trial_ends()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        var markers = Directory.CreateTempSubdirectory("raysharp-tune-cleanup-");
        try
        {
            var results = new Tuner(TrainableDefinition.FromClass<CleanupMarkingTrainable>(), new Dictionary<string, object?> { ["dir"] = markers.FullName },
                new TuneConfig { NumSamples = 2 },
                new RunConfig { Name = "cleanup", StoragePath = storage.Path, Verbose = 0 }).Fit();

            Assert.All(results, r => Assert.Equal(TrialStatus.Terminated, r.Status));
            Assert.Equal(2, markers.GetFiles().Length);
        }
        finally
        {
            markers.Delete(recursive: true);
        }
    }

    [Fact]
    public void Reuse_actors_runs_every_trial_in_one_actor_process_and_resets_class_trainables_in_place()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        var functions = new Tuner(TuneTrainables.TwoSteps, new Dictionary<string, object?> { ["k"] = Tune.GridSearch(1, 2, 3) },
            new TuneConfig { ReuseActors = true, MaxConcurrentTrials = 1 },
            new RunConfig { Name = "reuse", StoragePath = storage.Path, Verbose = 0 }).Fit();
        Assert.All(functions, r => Assert.Equal([1.0, 2], r.MetricsHistory.Select(m => m["i"])));
        Assert.Single(functions.SelectMany(r => r.MetricsHistory).Select(m => m[ResultFields.Pid]).Distinct());

        var classes = new Tuner(TrainableDefinition.FromClass<CountingTrainable>(), new Dictionary<string, object?> { ["start"] = Tune.GridSearch(0, 10, 20) },
            new TuneConfig { ReuseActors = true, MaxConcurrentTrials = 1 },
            new RunConfig { Name = "reuse-class", StoragePath = storage.Path, Verbose = 0 }).Fit();
        Assert.Equal([5.0, 15, 25], classes.Select(r => r.Metrics["count"]));
        Assert.Equal([0.0, 1, 2], classes.Select(r => r.Metrics["resets"]));
        Assert.Single(classes.SelectMany(r => r.MetricsHistory).Select(m => m[ResultFields.Pid]).Distinct());
    }

    [Fact]
    public void With_parameters_hands_every_trial_the_large_object_through_the_object_store()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        // 2.4 MB: far past the inline limit, so it lives in the object store, put once.
        var data = Enumerable.Range(0, 300_000).Select(i => (double)(i % 7)).ToArray();
        var results = new Tuner(Tune.WithParameters(TuneTrainables.SumParameter, data), new Dictionary<string, object?> { ["scale"] = Tune.GridSearch(1.0, 2.0) },
            new TuneConfig(),
            new RunConfig { Name = "params", StoragePath = storage.Path, Verbose = 0 }).Fit();

        Assert.All(results, r => Assert.Equal(300_000, r.Metrics["length"]));
        Assert.Equal([data.Sum(), 2 * data.Sum()], results.Select(r => r.Metrics["sum"]));
        Assert.DoesNotContain("data", results[0].Config.Keys);
    }

    [Fact]
    public void Tpe_proposes_every_trial_of_the_experiment_through_the_tuner()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        var results = new Tuner(TuneTrainables.Quadratic, new Dictionary<string, object?> { ["x"] = Tune.Uniform(-5, 5) },
            new TuneConfig { Metric = "score", Mode = TuneMode.Max, NumSamples = 6, SearchAlgorithm = new TpeSearch(numStartupTrials: 3, seed: 2) },
            new RunConfig { Name = "tpe", StoragePath = storage.Path, Verbose = 0 }).Fit();

        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        Assert.InRange(results.GetBestResult().Config.Get<double>("x"), -5, 5);
    }
}
