using RaySharp.Tune;

namespace RaySharp.Tests.Integration.Tune;

/// <summary>Trainables of the Tune tests: static, so trial actors in worker processes find them by name.</summary>
public static class TuneTrainables
{
    /// <summary>Three iterations of a quadratic with its top at x = 2; score grows with the iteration.</summary>
    public static void Quadratic(TrialContext ctx)
    {
        var x = ctx.Config.Get<double>("x");
        for (var i = 1; i <= 3; i++)
        {
            ctx.Report(new Dictionary<string, double> { ["score"] = -((x - 2) * (x - 2)) + i });
        }
    }

    /// <summary>Reports the config's value as its score, for as long as it is let (ASHA's test objective: bad trials are known).</summary>
    public static void ConstantScore(TrialContext ctx)
    {
        var value = ctx.Config.Get<double>("value");
        for (var i = 0; i < 1000; i++)
        {
            ctx.Report(new Dictionary<string, double> { ["score"] = value });
        }
    }

    /// <summary>
    /// Five iterations with a checkpoint each; at iteration 3 it throws while the failures file has fewer than two lines
    /// (adding one), so the first two attempts fail there and the third, restored from iteration 2's checkpoint, finishes.
    /// </summary>
    public static void FailsTwiceAtThree(TrialContext ctx)
    {
        var failures = ctx.Config.Get<string>("failures");
        var start = ctx.GetCheckpoint() is { } checkpoint ? int.Parse(File.ReadAllText(Path.Combine(checkpoint.Path, "step")), System.Globalization.CultureInfo.InvariantCulture) : 0;
        for (var step = start + 1; step <= 5; step++)
        {
            if (step == 3 && (File.Exists(failures) ? File.ReadAllLines(failures).Length : 0) < 2)
            {
                File.AppendAllText(failures, "failed\n");
                throw new InvalidOperationException($"planned failure at step {step}");
            }
            var directory = Directory.CreateTempSubdirectory("rs-tune-test").FullName;
            File.WriteAllText(Path.Combine(directory, "step"), step.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ctx.Report(new Dictionary<string, double> { ["step"] = step, ["restored_from"] = start }, Checkpoint.FromDirectory(directory));
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// PBT's test trainable: value grows by lr per iteration; every checkpoint holds the value and the lr of the trial that
    /// wrote it, and each result reports the lr of the checkpoint it was restored from (0 when none).
    /// </summary>
    public static void Accumulate(TrialContext ctx)
    {
        var lr = ctx.Config.Get<double>("lr");
        double value = 0, restoredWriterLr = 0;
        if (ctx.GetCheckpoint() is { } checkpoint)
        {
            var saved = File.ReadAllText(Path.Combine(checkpoint.Path, "state")).Split(' ');
            value = double.Parse(saved[0], System.Globalization.CultureInfo.InvariantCulture);
            restoredWriterLr = double.Parse(saved[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        while (true)
        {
            value += lr;
            var directory = Directory.CreateTempSubdirectory("rs-tune-test").FullName;
            File.WriteAllText(Path.Combine(directory, "state"), string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value:R} {lr:R}"));
            ctx.Report(new Dictionary<string, double> { ["score"] = value, ["restored_writer_lr"] = restoredWriterLr }, Checkpoint.FromDirectory(directory));
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Reports the length and sum of the array given with Tune.WithParameters.</summary>
    public static void SumParameter(TrialContext ctx)
    {
        var data = ctx.GetParameter<double[]>();
        ctx.Report(new Dictionary<string, double> { ["length"] = data.Length, ["sum"] = data.Sum() * ctx.Config.Get<double>("scale") });
    }

    /// <summary>Two iterations, each reporting the process it ran in (ReuseActors keeps one process for all trials).</summary>
    public static void TwoSteps(TrialContext ctx)
    {
        ctx.Report(new Dictionary<string, double> { ["i"] = 1 });
        ctx.Report(new Dictionary<string, double> { ["i"] = 2 });
    }
}

/// <summary>A class trainable (Ray's Trainable API): counts up from its config's start; saves and restores the count.</summary>
public sealed class CountingTrainable : Trainable
{
    private int _count;
    private int _resets;

    public override void Setup(TrialConfig config) => _count = config.Get<int>("start");

    public override IReadOnlyDictionary<string, double> Step()
    {
        _count++;
        return new Dictionary<string, double> { ["count"] = _count, ["resets"] = _resets, ["done"] = _count >= Config.Get<int>("start") + 5 ? 1 : 0 };
    }

    public override void Save(string checkpointDirectory) =>
        File.WriteAllText(Path.Combine(checkpointDirectory, "count"), _count.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override void Restore(string checkpointDirectory) =>
        _count = int.Parse(File.ReadAllText(Path.Combine(checkpointDirectory, "count")), System.Globalization.CultureInfo.InvariantCulture);

    public override bool ResetConfig(TrialConfig newConfig)
    {
        _resets++;
        _count = newConfig.Get<int>("start");
        return true;
    }
}

/// <summary>A class trainable whose Cleanup leaves a marker file in its config's "dir" (Ray calls cleanup as a trial's actor stops).</summary>
public sealed class CleanupMarkingTrainable : Trainable
{
    private int _steps;

    public override IReadOnlyDictionary<string, double> Step()
    {
        _steps++;
        return new Dictionary<string, double> { ["steps"] = _steps, ["done"] = _steps >= 2 ? 1 : 0 };
    }

    public override void Cleanup() => File.WriteAllText(Path.Combine(Config.Get<string>("dir"), Guid.NewGuid().ToString("N")), "cleaned up");
}
