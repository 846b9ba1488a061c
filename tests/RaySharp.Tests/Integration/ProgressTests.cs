using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

/// <summary>Ray.Get with progress (Ray's tqdm integration): the count of ready refs as they become ready, then the values in order.</summary>
[Collection("Cluster")]
public class ProgressTests(ClusterFixture cluster)
{
    [Fact]
    public void Progress_counts_distinct_ready_refs_up_to_all_and_the_values_come_in_order()
    {
        cluster.EnsureRunning();
        // Tasks that end at different times, and one ref twice (it counts once).
        var refs = Enumerable.Range(0, 12).Select(i => Ray.Task(BasicFunctions.SleepThenSquare, i, 50 * (i % 4)).Remote()).ToList();
        refs.Add(refs[3]);
        var reports = new List<int>();
        var values = Ray.Get(refs, new Recorder(reports), TimeSpan.FromSeconds(120));

        Assert.Equal([.. Enumerable.Range(0, 12).Select(i => i * i), 9], values);
        Assert.Equal(0, reports[0]);
        Assert.Equal(12, reports[^1]);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First <= p.Second), string.Join(",", reports));
        Assert.Equal([144], Ray.Get([Ray.Put(144)], new Recorder([])));
    }

    [Fact]
    public void A_failure_throws_as_soon_as_it_is_seen_without_waiting_for_the_rest()
    {
        cluster.EnsureRunning();
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 1, 60_000).Remote();
        var failing = Ray.Task(ManyRefFunctions.Fail, 7).Remote();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<RayTaskException>(() => Ray.Get([slow, failing], new Recorder([]), TimeSpan.FromSeconds(120)));
        Assert.Contains("failed on purpose: 7", error.Message, StringComparison.Ordinal);
        // Long before the slow task could have ended: the failure was not held back behind it.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(45), $"took {started.Elapsed}");
        Ray.Cancel(slow, force: true);
    }

    [Fact]
    public void A_timeout_names_what_was_missing_and_bad_arguments_are_refused()
    {
        cluster.EnsureRunning();
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 1, 30_000).Remote();
        var error = Assert.Throws<GetTimeoutException>(() => Ray.Get([slow, Ray.Put(2)], new Recorder([]), TimeSpan.FromMilliseconds(500)));
        Assert.Contains("1 of 2 objects were not ready", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => Ray.Get([slow], (IProgress<int>)null!));
        Ray.Cancel(slow, force: true);
    }

    [Fact]
    public void The_console_bar_draws_the_count_and_returns_the_values()
    {
        cluster.EnsureRunning();
        var output = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(output), Interactive = Spectre.Console.InteractionSupport.No });
        var refs = Enumerable.Range(0, 5).Select(i => Ray.Task(BasicFunctions.Square, i).Remote()).ToList();
        Assert.Equal([0, 1, 4, 9, 16], RaySharp.Util.Progress.ProgressBar.Get(console, refs, "squares", TimeSpan.FromSeconds(120)));
        Assert.Contains("squares", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("100%", output.ToString(), StringComparison.Ordinal);
    }

    // Records reports on the caller's thread (Progress<T> would post them to the thread pool, out of order).
    private sealed class Recorder(List<int> reports) : IProgress<int>
    {
        public void Report(int value) => reports.Add(value);
    }
}
