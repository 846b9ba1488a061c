using System.Globalization;
using RaySharp.Tune;

namespace RaySharp.Tests.Driver;

/// <summary>
/// The experiment of the Tune restore test: three trials one at a time, each 3 iterations with a checkpoint per iteration.
/// Trial 1 waits at its second iteration until the release file exists, so the test can SIGKILL this driver at a known
/// point: trial 0 finished, trial 1 checkpointed at iteration 1, trial 2 not started. Every start is logged to a file.
/// </summary>
public static class ResumableExperiment
{
    public const string Name = "resumable";

    public static ResultGrid Run(string storage, string release, bool restore)
    {
        var space = new Dictionary<string, object?>
        {
            ["index"] = RaySharp.Tune.Tune.GridSearch(0, 1, 2),
            ["log"] = Path.Combine(storage, "starts.log"),
            ["release"] = release,
        };
        var tune = new TuneConfig { MaxConcurrentTrials = 1 };
        var run = new RunConfig { Name = Name, StoragePath = storage, Verbose = 0 };
        var tuner = restore ? Tuner.Restore(Path.Combine(storage, Name), Trial, space, tune, run) : new Tuner(Trial, space, tune, run);
        return tuner.Fit();
    }

    public static void Trial(TrialContext ctx)
    {
        var index = ctx.Config.Get<int>("index");
        var start = ctx.GetCheckpoint() is { } checkpoint ? int.Parse(File.ReadAllText(Path.Combine(checkpoint.Path, "step")), CultureInfo.InvariantCulture) : 0;
        File.AppendAllText(ctx.Config.Get<string>("log"), $"start {index} {start}\n");
        for (var step = start + 1; step <= 3; step++)
        {
            if (index == 1 && step == 2)
            {
                WaitFor(ctx.Config.Get<string>("release"));
            }
            var directory = Directory.CreateTempSubdirectory("rs-tune-ckpt").FullName;
            File.WriteAllText(Path.Combine(directory, "step"), step.ToString(CultureInfo.InvariantCulture));
            ctx.Report(new Dictionary<string, double> { ["step"] = step }, Checkpoint.FromDirectory(directory));
            Directory.Delete(directory, recursive: true);
        }
    }

    // The workload's own gate (not a test's synchronization): the test creates the file once it has killed the first driver.
    private static void WaitFor(string path)
    {
        var giveUp = DateTime.UtcNow.AddMinutes(3);
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > giveUp)
            {
                throw new TimeoutException($"{path} never appeared.");
            }
            Thread.Sleep(50);
        }
    }
}
