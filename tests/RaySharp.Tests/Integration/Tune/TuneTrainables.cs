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
}
