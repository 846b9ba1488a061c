using System.Text.Json;
using RaySharp.Tune;

namespace RaySharp.Tests.Integration.Tune;

using Tune = RaySharp.Tune.Tune;

/// <summary>
/// Checkpoints through the object store into the driver's storage path, FailureConfig.MaxFailures, and Tuner.Restore after
/// a driver SIGKILL (Ray Tune's test_trial_runner fault tolerance and test_tuner_restore.py).
/// </summary>
[Collection("Cluster")]
public sealed class FaultToleranceTests(ClusterFixture cluster)
{
    private static Dictionary<string, object?> Space(string failures) => new() { ["failures"] = failures };

    [Fact]
    public void A_trial_that_throws_twice_with_max_failures_2_finishes_from_its_checkpoint()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        Directory.CreateDirectory(storage.Path);
        var results = new Tuner(TuneTrainables.FailsTwiceAtThree, Space(Path.Combine(storage.Path, "failures")), new TuneConfig(),
            new RunConfig { Name = "retry", StoragePath = storage.Path, Verbose = 0, FailureConfig = new FailureConfig { MaxFailures = 2 } }).Fit();

        var trial = Assert.Single(results);
        Assert.Equal(TrialStatus.Terminated, trial.Status);
        Assert.Equal(2, trial.NumFailures);
        // Iterations 1 and 2 once, then 3..5 by the attempt restored from iteration 2's checkpoint.
        Assert.Equal([1.0, 2, 3, 4, 5], trial.MetricsHistory.Select(m => m[ResultFields.TrainingIteration]));
        Assert.Equal([1.0, 2, 3, 4, 5], trial.MetricsHistory.Select(m => m["step"]));
        Assert.Equal([0.0, 0, 2, 2, 2], trial.MetricsHistory.Select(m => m["restored_from"]));
        // The checkpoints were handed back through the object store and unpacked under the storage path.
        Assert.NotNull(trial.Checkpoint);
        Assert.StartsWith(trial.Path, trial.Checkpoint!.Path, StringComparison.Ordinal);
        Assert.Equal("5", File.ReadAllText(Path.Combine(trial.Checkpoint.Path, "step")));
        var errors = File.ReadAllText(Path.Combine(trial.Path, "error.txt"));
        Assert.Equal(2, errors.Split('\n').Count(line => line.StartsWith("Failure ", StringComparison.Ordinal)));
        Assert.Contains("planned failure at step 3", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trial_past_its_max_failures_ends_with_the_error()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        Directory.CreateDirectory(storage.Path);
        var results = new Tuner(TuneTrainables.FailsTwiceAtThree, Space(Path.Combine(storage.Path, "failures")), new TuneConfig(),
            new RunConfig
            {
                Name = "errored",
                StoragePath = storage.Path,
                Verbose = 0,
                FailureConfig = new FailureConfig { MaxFailures = 1 },
                CheckpointConfig = new CheckpointConfig { NumToKeep = 1 },
            }).Fit();

        var trial = Assert.Single(results);
        Assert.Equal(TrialStatus.Error, trial.Status);
        Assert.Equal(2, trial.NumFailures);
        Assert.Equal(1, results.NumErrors);
        Assert.Contains("InvalidOperationException: planned failure at step 3", trial.Error, StringComparison.Ordinal);
        // NumToKeep = 1: only the latest checkpoint is left.
        Assert.Equal(["checkpoint_000002"], Directory.GetDirectories(trial.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void An_experiment_whose_driver_is_killed_midway_resumes_with_Restore_and_runs_only_the_missing_trials()
    {
        cluster.EnsureRunning();
        using var storage = new TuneStorage();
        Directory.CreateDirectory(storage.Path);
        var release = Path.Combine(storage.Path, "release");
        var log = Path.Combine(storage.Path, "starts.log");
        var state = Path.Combine(storage.Path, "resumable", "experiment_state.json");

        using (var first = new BackgroundDriver(["tune-resumable", ClusterFixture.Namespace, storage.Path, release, "fresh"], SecondDriver.OwnGcsAddress()))
        {
            Eventually.True(() => MidwayReached(state), TimeSpan.FromSeconds(120),
                $"the first driver's experiment state to show trial 0 finished and trial 1 checkpointed at iteration 1. Driver output:\n{first.Output()}");
            first.Kill();
        }
        Assert.Equal(["start 0 0", "start 1 0"], File.ReadAllLines(log));

        File.WriteAllText(release, "");
        var second = SecondDriver.Run(["tune-resumable", ClusterFixture.Namespace, storage.Path, release, "restore"]);

        Assert.True(second.ExitCode == 0, second.Describe());
        Assert.Equal("Terminated,Terminated,Terminated", second["statuses"]);
        Assert.Equal("3,3,3", second["iterations"]);
        // Trial 0 was not run again; trial 1 resumed from its checkpoint at 1; trial 2 ran once, from the start.
        Assert.Equal(["start 0 0", "start 1 0", "start 1 1", "start 2 0"], File.ReadAllLines(log));
    }

    private static bool MidwayReached(string statePath)
    {
        if (!File.Exists(statePath))
        {
            return false;
        }
        using var document = JsonDocument.Parse(File.ReadAllText(statePath));
        var trials = document.RootElement.GetProperty("trials").EnumerateArray().ToList();
        return trials.Count >= 2
            && trials[0].GetProperty("status").GetString() == "TERMINATED"
            && trials[1].GetProperty("checkpoints").EnumerateArray().Any(c => c.GetProperty("iteration").GetInt32() == 1);
    }
}
