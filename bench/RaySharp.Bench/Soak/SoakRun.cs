using System.Diagnostics;

namespace RaySharp.Bench.Soak;

/// <summary>
/// A whole soak run, shared by `bench --soak` and the CI test: starts the 3-node cluster, joins it as the
/// soak's driver, and until the duration is up runs rounds of the mixed workload (with a spill burst
/// now and then) while a worker is SIGKILLed every few seconds, drivers come and go, and the sampler
/// measures every process, the stores and the disk. Then judges the results and the series and stops
/// everything it started.
/// </summary>
public static class SoakRun
{
    /// <summary>Long-lived actors of the soak's own driver (besides the one without call retries).</summary>
    private const int LongLivedActors = 2;

    private static readonly TimeSpan s_spillSettle = TimeSpan.FromSeconds(15);

    /// <param name="options">How long and how hard.</param>
    /// <param name="log">Progress lines: a sample every period, each come-and-go driver, the verdicts.</param>
    /// <param name="progress">Called whenever a result is checked (a watchdog's heartbeat).</param>
    public static SoakReport Run(SoakOptions options, Action<string> log, Action? progress = null)
    {
        progress ??= () => { };
        log($"soak: {options.Duration.TotalMinutes:0.#} min; a sample every {options.SampleEvery.TotalSeconds:0} s, a worker killed every {options.KillEvery.TotalSeconds:0} s, " +
            $"a driver every {options.DriverEvery.TotalSeconds:0} s, a spill burst every {options.SpillEvery.TotalSeconds:0} s; 3 nodes × {options.NodeCpus} CPUs");
        using var cluster = SoakCluster.Start(options.NodeCpus);
        log($"cluster at {cluster.Address}: GCS pid {cluster.GcsPid}, raylet pids {string.Join(", ", cluster.RayletPids)}; sessions {string.Join(", ", cluster.SessionRoots)}");
        Ray.Init(new RayConfig { Address = cluster.Address, Namespace = "soak" });
        try
        {
            return RunJoined(options, cluster, log, progress);
        }
        finally
        {
            Ray.Shutdown();
        }
    }

    private static SoakReport RunJoined(SoakOptions options, SoakCluster cluster, Action<string> log, Action progress)
    {
        var counters = new SoakCounters();
        using var actors = SoakActors.Create(LongLivedActors, 0);
        using var quietGate = new SemaphoreSlim(1, 1);
        using var abort = new CancellationTokenSource();
        var churn = new DriverChurn(cluster.Address, options.DriverEvery, options.Seed, counters, log, abort.Token);
        var killer = new WorkerKiller(cluster.Address, options.KillEvery, options.Seed, counters);
        var sampler = new SoakSampler(cluster, counters, churn, quietGate, options.SampleEvery, log, abort);
        var clock = Stopwatch.StartNew();
        long rounds = 0;
        IReadOnlyList<SoakSample> samples;
        try
        {
            var round = new SoakRound(counters, actors, options.ActorsPerRound, progress, log, abort.Token);
            // The first burst comes first: the store's pages it touches stay in the processes' VmRSS
            // (mapped shared memory), a step that belongs in the warm-up quarter, not between the quarters compared.
            var nextSpill = TimeSpan.Zero;
            while (clock.Elapsed < options.Duration && !abort.IsCancellationRequested)
            {
                if (options.SpillEvery > TimeSpan.Zero && clock.Elapsed >= nextSpill)
                {
                    var burst = Stopwatch.StartNew();
                    SpillUnderGate(quietGate, cluster, counters.SpillBursts, counters, progress);
                    log($"  spill burst {counters.SpillBursts}: {burst.Elapsed.TotalSeconds:0.0} s");
                    nextSpill += options.SpillEvery;
                }
                try
                {
                    round.Run(rounds);
                }
                catch (RayException ex)
                {
                    // Submitting failed (a Put into a full store, say): the round's results are missing, which is wrong.
                    counters.Wrong($"round {rounds}: {Failures.Describe(ex)}");
                }
                rounds++;
                counters.AddRound();
                progress();
            }
        }
        finally
        {
            // The sampler first, so the series cover the workload and not the wind-down; then the last
            // come-and-go driver finishes, and only then does the killer stop (it runs while anything runs).
            sampler.Dispose();
            samples = sampler.Samples;
            churn.Dispose();
            killer.Dispose();
        }
        var elapsed = clock.Elapsed;
        // The soak's own long-lived actors hold nothing in the stores; anything left is worth a look.
        if (!abort.IsCancellationRequested)
        {
            foreach (var line in StoreLeftovers.Describe(TimeSpan.FromSeconds(10)))
            {
                log(line);
            }
        }
        var flatness = SoakSeries.All.Where(s => s.Checked).Select(s => Flatness.Of(s, samples)).ToList();
        return new SoakReport(options, elapsed, rounds, samples, flatness, counters.Tasks, counters.ActorCalls, counters.ActorsCreated,
            counters.DriverRuns, counters.WorkersKilled, counters.SpillBursts, counters.WrongCount, counters.WrongExamples(),
            counters.ExpectedFailureCount, counters.ExpectedFailureExamples());
    }

    // The sampler waits while a burst runs and until its frees have landed (its spill files deleted, at most
    // s_spillSettle): the burst is a transient of a few seconds, and a sample inside it says nothing about growth.
    // Files still there after that are sampled like anything else.
    private static void SpillUnderGate(SemaphoreSlim quietGate, SoakCluster cluster, long burst, SoakCounters counters, Action progress)
    {
        if (!quietGate.Wait(TimeSpan.FromSeconds(120)))
        {
            throw new TimeoutException("The sampler held the quiet gate for 120 s.");
        }
        try
        {
            SpillBurst.Run(burst, counters, progress);
            var settle = Stopwatch.StartNew();
            while (DiskUsage.Bytes(cluster.SpillPaths) > 0 && settle.Elapsed < s_spillSettle)
            {
                Thread.Sleep(200);
            }
        }
        finally
        {
            quietGate.Release();
        }
    }
}
