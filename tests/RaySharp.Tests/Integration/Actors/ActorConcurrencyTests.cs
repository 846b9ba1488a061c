using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's Java ActorConcurrentCallTest and BackPressureTest, and async actors.</summary>
[Collection("Cluster")]
public sealed class ActorConcurrencyTests(ClusterFixture cluster)
{
    [Fact]
    public void A_threaded_actor_with_MaxConcurrency_3_runs_three_calls_at_once()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new ConcurrentActor()).SetMaxConcurrency(3).Remote();
        try
        {
            var refs = Enumerable.Range(0, 3).Select(_ => actor.Task(a => a.CountDown()).Remote()).ToList();

            Assert.Equal(["ok", "ok", "ok"], Fetch.Values(refs, "three calls waiting on one latch of 3", TimeSpan.FromSeconds(90)));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void MaxConcurrency_below_1_is_rejected()
    {
        cluster.EnsureRunning();
        Assert.Throws<ArgumentException>(() => Ray.Actor(() => new ConcurrentActor()).SetMaxConcurrency(0));
        Assert.Throws<ArgumentException>(() => Ray.Actor(() => new ConcurrentActor()).SetMaxConcurrency(-1));
        Assert.Throws<ArgumentException>(() => Ray.Actor(() => new Blocker()).SetMaxPendingCalls(0));
    }

    [Fact]
    public void An_async_actor_interleaves_calls_at_awaits()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new AsyncActor()).Remote();
        try
        {
            // The first call awaits a signal only the second call sets: with one call at a time, it would time out.
            var waiting = actor.Task(a => a.WaitForSignal()).Remote();
            var sending = actor.Task((a, v) => a.Send(v), "hello").Remote();

            Assert.Equal("sent hello", Fetch.Value(sending, "the call that sets the signal"));
            Assert.Equal("received hello", Fetch.Value(waiting, "the call that awaits the signal"));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void The_call_beyond_MaxPendingCalls_throws_at_Remote()
    {
        cluster.EnsureRunning();
        var marker = ActorTesting.TempPath("pending");
        var actor = Ray.Actor(() => new Blocker()).SetMaxPendingCalls(10).Remote();
        try
        {
            // The first call blocks until the marker exists; the 9 behind it wait in line: 10 pending calls.
            var pending = Enumerable.Range(0, 10).Select(_ => actor.Task((b, p) => b.WaitForFile(p), marker).Remote()).ToList();

            Assert.Throws<PendingCallsLimitExceededException>(() => actor.Task(b => b.Ping()).Remote());
            Assert.Throws<PendingCallsLimitExceededException>(() => actor.Task((b, p) => b.WaitForFile(p), marker).Remote());

            File.WriteAllText(marker, "go");
            Assert.Equal(Enumerable.Range(1, 10), Fetch.Values(pending, "the 10 pending calls after the release"));
            // Their results came back, so there is room again.
            Assert.Equal("pong", Fetch.Value(actor.Task(b => b.Ping()).Remote(), "a call once the queue drained"));
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(marker);
        }
    }
}
