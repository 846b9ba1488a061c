using System.Globalization;

namespace RaySharp.Bench.Soak;

/// <summary>
/// The hidden `--soak-driver ADDRESS INDEX` mode: one come-and-go driver of the soak, a process of its own.
/// It joins the cluster, creates its own long-lived actors, runs a few rounds of the workload (which
/// create and drop actors of their own), checks every result and leaves, its long-lived actors still
/// alive for the end of its job to kill. Prints one summary line for the soak to add up; exit code 0 only
/// when every result was right.
/// </summary>
public static class ChurnDriver
{
    public const int Rounds = 2;

    /// <summary>The summary line's prefix, which <see cref="DriverChurn"/> looks for.</summary>
    public const string SummaryPrefix = "soak-driver:";

    public static int Run(string address, long index)
    {
        LeaveWithParent();
        var counters = new SoakCounters();
        Ray.Init(new RayConfig { Address = address, Namespace = "soak" });
        try
        {
            // Seeds apart from the main driver's rounds (which count up from 0) and from other drivers'.
            var firstRound = 1_000_000 + (index * Rounds);
            var actors = SoakActors.Create(1, firstRound * 1000);
            for (var r = 0; r < Rounds; r++)
            {
                new SoakRound(counters, actors, actorsPerRound: 1, progress: () => { }, log: Console.Error.WriteLine).Run(firstRound + r);
            }
            // The long-lived actors are left to the job's end on purpose: that path drops actors too.
            GC.KeepAlive(actors);
        }
        catch (Exception ex) when (ex is RayException or InvalidOperationException or TimeoutException)
        {
            counters.Wrong($"driver {index}: {Failures.Describe(ex)}");
        }
        finally
        {
            Ray.Shutdown();
        }
        foreach (var wrong in counters.WrongExamples())
        {
            Console.Error.WriteLine("WRONG: " + wrong);
        }
        foreach (var expected in counters.ExpectedFailureExamples())
        {
            Console.Error.WriteLine("expected failure: " + expected);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{SummaryPrefix} tasks={counters.Tasks} calls={counters.ActorCalls} actors={counters.ActorsCreated} wrong={counters.WrongCount} expected={counters.ExpectedFailureCount}"));
        return counters.WrongCount == 0 ? 0 : 1;
    }

    // Stdin is a pipe from the soak's process: when that process is gone, however it ended, so is this one.
    private static void LeaveWithParent() => new Thread(() =>
    {
        while (Console.In.Read() >= 0)
        {
        }
        Console.Error.WriteLine($"soak driver {Environment.ProcessId}: the soak that started it is gone; exiting");
        Environment.Exit(3);
    })
    { IsBackground = true, Name = "parent watch" }.Start();
}
