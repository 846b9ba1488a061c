using RaySharp.Runtime;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>
/// Lightweight actors (issue 17, beyond Ray): many actors of a job in one shared actor-host process, each
/// with Ray's actor semantics — its own ordered mailbox, MaxConcurrency, async methods, Kill of one alone,
/// restarts per actor when the host dies.
/// </summary>
[Collection("Cluster")]
public sealed class SharedActorTests(ClusterFixture cluster)
{
    private static ActorHandle<A> Shared<A>(ActorCreator<A> creator) => creator.SetIsolation(ActorIsolation.Shared).Remote();

    [Fact]
    public void A_thousand_calls_to_each_of_100_shared_actors_run_in_order_in_shared_hosts()
    {
        cluster.EnsureRunning();
        var actors = Enumerable.Range(0, 100).Select(_ => Shared(Ray.Actor(() => new OrderedActor()))).ToList();
        try
        {
            var pids = Fetch.Values(actors.Select(a => a.Task(o => o.Pid()).Remote()), "the pid of each of 100 shared actors", TimeSpan.FromMinutes(3));
            // Hosts, not a process per actor: at most one per CPU of the node, none of them this driver.
            Assert.InRange(pids.Distinct().Count(), 1, ClusterFixture.Cpus);
            Assert.DoesNotContain(Environment.ProcessId, pids);
            // Each actor knows itself, though it shares its process.
            var ids = Fetch.Values(actors.Select(a => a.Task(o => o.ActorId()).Remote()), "each shared actor's own id");
            Assert.Equal(actors.Select(a => a.ActorId), ids);

            for (var n = 0; n < 1000; n++)
            {
                foreach (var actor in actors)
                {
                    actor.Task((o, i) => o.Append(i), n).Remote();
                }
            }
            var states = Fetch.Values(actors.Select(a => a.Task(o => o.State()).Remote()), "the state of each actor after 1,000 calls", TimeSpan.FromMinutes(5));

            // 1,000 calls each, none out of order, never two at once (the default MaxConcurrency of 1).
            Assert.All(states, s => Assert.Equal("1000/0/1", s));
        }
        finally
        {
            actors.ForEach(a => Ray.Kill(a));
        }
    }

    [Fact]
    public void A_shared_actor_keeps_MaxConcurrency_and_runs_async_methods_interleaved()
    {
        cluster.EnsureRunning();
        var threaded = Shared(Ray.Actor(() => new ConcurrentActor()).SetMaxConcurrency(3));
        var async = Shared(Ray.Actor(() => new AsyncActor()));
        try
        {
            var refs = Enumerable.Range(0, 3).Select(_ => threaded.Task(a => a.CountDown()).Remote()).ToList();
            Assert.Equal(["ok", "ok", "ok"], Fetch.Values(refs, "three calls waiting on one latch of 3 on a shared actor", TimeSpan.FromSeconds(90)));

            // The first call awaits a signal only the second call sets: with one call at a time, it would time out.
            var waiting = async.Task(a => a.WaitForSignal()).Remote();
            var sending = async.Task((a, v) => a.Send(v), "hello").Remote();
            Assert.Equal("sent hello", Fetch.Value(sending, "the call that sets the signal"));
            Assert.Equal("received hello", Fetch.Value(waiting, "the call that awaits the signal"));
            Assert.NotEqual(Environment.ProcessId, Fetch.Value(async.Task(a => a.Pid()).Remote(), "the async shared actor's pid"));
        }
        finally
        {
            Ray.Kill(threaded);
            Ray.Kill(async);
        }
    }

    [Fact]
    public void Killing_one_shared_actor_leaves_its_siblings_in_the_host_serving()
    {
        cluster.EnsureRunning();
        var actors = Enumerable.Range(0, 6).Select(_ => Shared(Ray.Actor(() => new RestartableCounter()))).ToList();
        try
        {
            var pids = Fetch.Values(actors.Select(a => a.Task(c => c.Pid()).Remote()), "the shared actors' pids");
            Assert.All(actors, a => Assert.Equal(1, Fetch.Value(a.Task(c => c.Increase()).Remote(), "Increase before the kill")));
            // The victim and its siblings in the same host.
            var victim = actors[0];
            var siblings = actors.Where((_, i) => i > 0 && pids[i] == pids[0]).ToList();
            Assert.NotEmpty(siblings);

            Ray.Kill(victim, noRestart: true);

            ActorTesting.AssertActorDied(victim.Task(c => c.Increase()).Remote());
            ActorTesting.WaitForState(victim, "DEAD");
            // What must not happen has no event to wait for: a process actor's process exits 100 ms after its
            // kill, so a host that went the same way would be gone after this.
            Thread.Sleep(TimeSpan.FromSeconds(2));
            Assert.True(ActorTesting.IsRunning(pids[0]), "the host process went with the killed actor");
            Assert.All(siblings, s => Assert.Equal(2, Fetch.Value(s.Task(c => c.Increase()).Remote(), "Increase on a sibling after the kill (state kept)")));
            Assert.All(siblings, s => Assert.Equal("ALIVE", ActorTesting.Info(s)?.State));
        }
        finally
        {
            actors.ForEach(a => Ray.Kill(a));
        }
    }

    [Fact]
    public void A_call_after_the_caller_s_stream_closed_idle_reaches_the_actor_with_its_state()
    {
        cluster.EnsureRunning();
        var counter = Shared(Ray.Actor(Counter.Create, 0));
        try
        {
            Assert.Equal(1, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "the first call"));
            // The caller closes its stream to a shared actor after 2 s with nothing pending; the next call, sent with
            // nothing queued or in flight, must open a new one rather than go out on the closed stream.
            Thread.Sleep(TimeSpan.FromSeconds(3));
            // Closed idle (or, on a slow machine, not yet): either way not opened again with nothing to send.
            Assert.Equal(1, CoreWorker.Require().GetActorClient(counter.Id).StreamsOpened);
            Assert.Equal(2, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "a call after the idle close"));
            Thread.Sleep(TimeSpan.FromSeconds(3));
            var burst = Enumerable.Range(0, 20).Select(_ => counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote()).ToList();
            Assert.Equal(Enumerable.Range(3, 20), Fetch.Values(burst, "a burst after the second idle close"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void ExitActor_in_a_shared_actor_ends_it_for_good_and_only_it()
    {
        cluster.EnsureRunning();
        var counters = Enumerable.Range(0, 4).Select(_ => Shared(Ray.Actor(Counter.Create, 0).SetMaxRestarts(5))).ToList();
        try
        {
            var pids = Fetch.Values(counters.Select(c => c.Task(k => k.Pid()).Remote()), "the shared counters' pids");
            var leaving = counters[0];
            var siblings = counters.Where((_, i) => i > 0 && pids[i] == pids[0]).ToList();
            Assert.NotEmpty(siblings);
            Assert.All(counters, c => Assert.Equal(1, Fetch.Value(c.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet before the exit")));

            ActorTesting.AssertActorDied(leaving.Task(k => k.Exit()).Remote());

            var info = ActorTesting.WaitForState(leaving, "DEAD");
            Assert.Equal(0, info.NumRestarts);
            ActorTesting.AssertActorDied(leaving.Task(k => k.Pid()).Remote());
            Assert.True(ActorTesting.IsRunning(pids[0]), "the host process went with the actor that exited");
            Assert.All(siblings, s => Assert.Equal(2, Fetch.Value(s.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet on a sibling (state kept)")));
        }
        finally
        {
            counters.ForEach(c => Ray.Kill(c));
        }
    }

    [Fact]
    public void When_a_host_is_SIGKILLed_its_actors_with_MaxRestarts_come_back_fresh_elsewhere_and_the_others_die()
    {
        cluster.EnsureRunning();
        var restartable = Enumerable.Range(0, 8).Select(_ => Shared(Ray.Actor(() => new RestartableCounter()).SetMaxRestarts(1))).ToList();
        var mortal = Enumerable.Range(0, 8).Select(_ => Shared(Ray.Actor(() => new RestartableCounter()))).ToList();
        var all = restartable.Concat(mortal).ToList();
        try
        {
            var pids = Fetch.Values(all.Select(a => a.Task(c => c.Pid()).Remote()), "the shared actors' pids");
            Assert.All(all, a => Assert.Equal(1, Fetch.Value(a.Task(c => c.Increase()).Remote(), "Increase before the host dies")));
            // Every host of these actors dies (one per CPU at most), so every actor loses its process.
            var hosts = pids.Distinct().ToList();
            Assert.True(hosts.Count < all.Count, $"{all.Count} shared actors took {hosts.Count} processes");
            hosts.ForEach(ActorTesting.KillProcess);

            foreach (var actor in restartable)
            {
                var pid = ActorTesting.WhenAliveAgain(() => actor.Task(c => c.Pid()).Remote(), "a shared actor with MaxRestarts(1)");
                Assert.DoesNotContain(pid, hosts);
                // Fresh state: its constructor ran again, and knows it.
                Assert.Equal(1, Fetch.Value(actor.Task(c => c.Increase()).Remote(), "Increase on the restarted actor"));
                Assert.True(Fetch.Value(actor.Task(c => c.WasRestartedAtConstruction()).Remote(), "WasCurrentActorRestarted in the re-run constructor"));
                Assert.Equal(1, ActorTesting.Info(actor)?.NumRestarts);
            }
            foreach (var actor in mortal)
            {
                ActorTesting.WaitForState(actor, "DEAD");
                var error = ActorTesting.AssertActorDied(actor.Task(c => c.Increase()).Remote());
                Assert.Equal(actor.ActorId, error.ActorId);
            }
        }
        finally
        {
            all.ForEach(a => Ray.Kill(a));
        }
    }

    [Fact]
    public void A_shared_actor_holds_its_own_resources_on_the_node_while_it_lives()
    {
        cluster.EnsureRunning();
        // The node has Custom=1: the first actor takes it, the second waits for it, though their host has room.
        var first = Shared(Ray.Actor(() => new OrderedActor()).SetResource("Custom", 1));
        // Created once the first answers, so which of the two gets Custom is not a race.
        var firstPid = Fetch.Value(first.Task(o => o.Pid()).Remote(), "the first actor's pid");
        var second = Shared(Ray.Actor(() => new OrderedActor()).SetResource("Custom", 1));
        var free = Shared(Ray.Actor(() => new OrderedActor()));
        try
        {
            Assert.Equal(firstPid, Fetch.Value(free.Task(o => o.Pid()).Remote(), "the pid of an actor without resources, in the same host"));
            Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("Custom") == 0, ActorTesting.Timeout,
                "the first shared actor's Custom=1 to be taken on the node");
            Thread.Sleep(TimeSpan.FromSeconds(1));
            Assert.Equal("PENDING", ActorTesting.Info(second)?.State);

            Ray.Kill(first, noRestart: true);

            Assert.Equal("0/0/0", Fetch.Value(second.Task(o => o.State()).Remote(), "the second actor once the first gave back Custom"));
            Assert.Equal(0, Ray.AvailableResources().GetValueOrDefault("Custom"));
        }
        finally
        {
            Ray.Kill(first);
            Ray.Kill(second);
            Ray.Kill(free);
        }
        Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("Custom") == 1, ActorTesting.Timeout,
            "Custom=1 to be free again once both shared actors are dead");
    }

    [Fact]
    public void A_GPU_on_a_shared_actor_is_refused_at_the_call_site()
    {
        cluster.EnsureRunning();
        var error = Assert.Throws<ArgumentException>(() => Ray.Actor(() => new OrderedActor()).SetResource("GPU", 1).SetIsolation(ActorIsolation.Shared).Remote());
        Assert.Contains("ActorIsolation.Process", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Ray.Actor(() => new OrderedActor()).SetIsolation((ActorIsolation)7));
    }
}
