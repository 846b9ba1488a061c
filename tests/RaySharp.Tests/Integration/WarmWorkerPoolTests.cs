namespace RaySharp.Tests.Integration;

/// <summary>
/// Actor creation takes a worker process that started before it was asked for, and the raylet keeps a few
/// started while creations come (issue 17 item 2; <c>RayletConfig.WarmWorkers</c>, two on a 2-CPU node).
/// Each test starts a local cluster of its own, with real worker processes.
/// </summary>
[Collection("Cluster")]
public sealed class WarmWorkerPoolTests(ClusterFixture shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void An_actor_creation_takes_a_worker_that_was_started_before_it_was_asked_for()
    {
        WithCluster(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 2 }, () =>
        {
            // The raylet prestarts one worker per CPU.
            Eventually.True(() => ChildWorkers().Count >= 2, s_timeout, "the two prestarted workers");
            var before = ChildWorkers();
            using var first = Ray.Actor(static () => new Probe()).Remote();
            var firstPid = Ray.Get(first.Task(static p => p.Pid()).Remote(), s_timeout);
            Assert.Contains(firstPid, before);

            // Taking it made the pool start spares: two processes besides the actor's, before the next creation.
            Eventually.True(() => ChildWorkers().Count(pid => pid != firstPid) >= 2, s_timeout, "two spare workers beside the actor's");
            var spares = ChildWorkers();
            spares.Remove(firstPid);
            using var second = Ray.Actor(static () => new Probe()).Remote();
            var secondPid = Ray.Get(second.Task(static p => p.Pid()).Remote(), s_timeout);
            Assert.Contains(secondPid, spares);
            Assert.NotEqual(firstPid, secondPid);
        });
    }

    [Fact]
    public void Actors_asked_for_at_once_start_at_most_the_spares_beyond_one_process_each_and_idle_ones_are_reaped_beyond_the_CPUs()
    {
        WithCluster(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 2, IdleWorkerKillingTime = TimeSpan.FromMilliseconds(200) }, () =>
        {
            Eventually.True(() => ChildWorkers().Count >= 2, s_timeout, "the two prestarted workers");
            const int count = 6;
            var most = 0;
            var actors = Enumerable.Range(0, count).Select(_ => Ray.Actor(static () => new Probe()).Remote()).ToList();
            var answers = actors.Select(a => a.Task(static p => p.Pid()).Remote()).ToList();
            var pending = Task.Run(() => Ray.Get(answers, s_timeout));
            while (!pending.IsCompleted)
            {
                most = Math.Max(most, ChildWorkers().Count);
                Thread.Sleep(20);
            }
            var pids = pending.GetAwaiter().GetResult().ToHashSet();
            Assert.Equal(count, pids.Count);
            // One process per actor, plus at most the two spares (the prestarted ones are spares too).
            Assert.InRange(most, count, count + 2);

            // The actors' processes stay; idle ones beyond the 2 CPUs go after the killing time.
            Eventually.True(() => ChildWorkers().Count(pid => !pids.Contains(pid)) <= 2, s_timeout, "idle workers beyond the CPUs to be reaped");
            Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}"), $"actor worker {pid} exited"));
            foreach (var actor in actors)
            {
                actor.Dispose();
            }
        });
    }

    /// <summary>Worker processes of the local cluster: children of this process (its raylet runs here) started with --app-dir.</summary>
    private static HashSet<int> ChildWorkers() => RaySharp.Bench.Chaos.ClusterProcesses.Children(Environment.ProcessId, "\0--app-dir\0");

    private void WithCluster(RayConfig config, Action test)
    {
        shared.EnsureRunning();
        Ray.Shutdown();
        // The shared cluster's workers are children of this process too, and may still be exiting after its shutdown
        // (slowly on a loaded machine): counted as this cluster's prestarted workers, they once failed the first test.
        Eventually.True(() => ChildWorkers().Count == 0, s_timeout, "the shared cluster's workers to exit");
        try
        {
            Ray.Init(config);
            test();
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }

    /// <summary>An actor that only says which process it lives in.</summary>
    public sealed class Probe
    {
        public int Pid() => Environment.ProcessId;
    }
}
