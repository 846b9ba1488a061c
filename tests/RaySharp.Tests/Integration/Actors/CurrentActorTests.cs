using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's <c>get_runtime_context().current_actor</c>: an actor's handle to itself.</summary>
[Collection("Cluster")]
public sealed class CurrentActorTests(ClusterFixture cluster)
{
    [Fact]
    public void An_actor_hands_its_own_handle_to_a_task_that_calls_back()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(SelfReferencing.Create).SetMaxConcurrency(2).Remote();
        try
        {
            Assert.Equal(actor.ActorId, Fetch.Value(actor.Task(a => a.SelfId()).Remote(), "the actor's own id"));
            Assert.Equal(5, Fetch.Value(actor.Task((a, d) => a.AddThroughTask(d), 5).Remote(), "a call back through the handle"));
            Assert.Equal(7, Fetch.Value(actor.Task((a, d) => a.Add(d), 2).Remote(), "the state the call back left"));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void The_handle_to_itself_does_not_keep_the_actor_alive()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(SelfReferencing.Create).SetMaxConcurrency(2).Remote();
        var pid = Fetch.Value(actor.Task(a => a.Pid()).Remote(), "the actor's pid");
        // A copy sent to a task and released there leaves nothing behind either.
        Assert.Equal(1, Fetch.Value(actor.Task((a, d) => a.AddThroughTask(d), 1).Remote(), "a call back through the handle"));

        actor.Dispose();

        ActorTesting.WaitForExit(pid);
        var info = ActorTesting.WaitForState(actor.ActorId, "DEAD");
        Assert.Contains("handle", info.DeathCause, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Outside_an_actor_there_is_no_current_actor()
    {
        cluster.EnsureRunning();
        var error = Assert.Throws<InvalidOperationException>(() => Ray.GetRuntimeContext().CurrentActor<SelfReferencing>());
        Assert.Contains("actor", error.Message, StringComparison.Ordinal);
    }
}
