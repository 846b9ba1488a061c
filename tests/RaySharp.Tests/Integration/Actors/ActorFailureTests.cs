using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's Java FailureTest for actors: a constructor or a method that throws.</summary>
[Collection("Cluster")]
public sealed class ActorFailureTests(ClusterFixture cluster)
{
    [Fact]
    public void A_constructor_that_throws_fails_every_call_with_RayActorException()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(static (bool fail) => new BadActor(fail), true).Remote();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var ex = ActorTesting.AssertActorDied(actor.Task(a => a.GoodMethod()).Remote());
                Assert.True(ActorTesting.ChainMentions(ex, BadActor.Message),
                    $"call {i}: the RayActorException should carry the constructor's \"{BadActor.Message}\" in its message or inner chain, got: {ex}");
                Assert.Equal(actor.ActorId, ex.ActorId);
            }
            var info = ActorTesting.WaitForState(actor, "DEAD");
            Assert.Contains(BadActor.Message, info.DeathCause, StringComparison.Ordinal);
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void A_method_that_throws_fails_that_call_and_the_actor_stays_usable()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(static (bool fail) => new BadActor(fail), false).Remote();
        try
        {
            var ex = Assert.Throws<RayTaskException>(() => Ray.Get(actor.Task(a => a.BadMethod()).Remote(), ActorTesting.Timeout));
            var inner = Assert.IsType<InvalidOperationException>(ex.InnerException);
            Assert.Equal(BadActor.Message, inner.Message);
            Assert.Contains(BadActor.Message, ex.Message, StringComparison.Ordinal);

            Assert.Equal(42, Fetch.Value(actor.Task(a => a.GoodMethod()).Remote(), "the call after the failed one"));
            Assert.Throws<RayTaskException>(() => Ray.Get(actor.Task(a => a.BadMethod()).Remote(), ActorTesting.Timeout));
            Assert.Equal(42, Fetch.Value(actor.Task(a => a.GoodMethod()).Remote(), "the call after the second failed one"));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void A_method_failure_does_not_reset_state()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            var first = counter.Task((k, d) => k.IncreaseAndGet(d), 5).Remote();
            var failed = counter.Task((k, m) => k.Fail(m), "boom").Remote();
            var after = counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote();

            Assert.Equal(5, Fetch.Value(first, "the call before the failure"));
            Assert.Throws<RayTaskException>(() => Ray.Get(failed, ActorTesting.Timeout));
            Assert.Equal(6, Fetch.Value(after, "the call after the failure"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }
}
