using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's Java NamedActorTest.</summary>
[Collection("Cluster")]
public sealed class NamedActorTests(ClusterFixture cluster)
{
    private static string UniqueName() => "counter-" + Guid.NewGuid().ToString("N");

    [Fact]
    public void A_named_actor_found_by_name_shares_state_with_the_original()
    {
        cluster.EnsureRunning();
        var name = UniqueName();
        var counter = Ray.Actor(Counter.Create, 0).SetName(name).Remote();
        try
        {
            Assert.Equal(1, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet on the original"));

            var found = Ray.GetActor<Counter>(name);
            Assert.Equal(counter.ActorId, found.ActorId);
            Assert.Equal(2, Fetch.Value(found.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet through the looked-up handle"));
            Assert.Equal(2, Fetch.Value(counter.Task(k => k.GetValue()).Remote(), "GetValue on the original"));
            Assert.Equal(name, ActorTesting.Info(counter)?.Name);
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    /// <summary>
    /// Ray's <c>.options(name=..., namespace=...)</c>: the name lives in the given namespace (found there, not in the job's,
    /// and free in the job's), get_if_exists looks there too, and the actor's own code runs in the job's namespace (its
    /// constructor's context, and its lookups by name).
    /// </summary>
    [Fact]
    public void An_actor_created_in_another_namespace_is_named_there_and_runs_in_the_jobs()
    {
        cluster.EnsureRunning();
        var name = UniqueName();
        var other = "other-" + Guid.NewGuid().ToString("N")[..8];
        var elsewhere = Ray.Actor(NamespaceProbe.Create).SetName(name).SetNamespace(other).Remote();
        ActorHandle<NamespaceProbe>? here = null;
        try
        {
            Assert.Equal(elsewhere.ActorId, Ray.GetActor<NamespaceProbe>(name, other).ActorId);
            Assert.Throws<ArgumentException>(() => Ray.GetActor<NamespaceProbe>(name));
            Assert.Contains(Ray.ListNamedActors(allNamespaces: true), a => a.Name == name && a.Namespace == other);
            Assert.Equal(ClusterFixture.Namespace, Fetch.Value(elsewhere.Task(static p => p.CreationNamespace()).Remote(), "the namespace in the constructor"));
            // The same name is free in the job's namespace, and that is where the first actor's own lookups go.
            here = Ray.Actor(NamespaceProbe.Create).SetName(name).Remote();
            Assert.NotEqual(elsewhere.ActorId, here.ActorId);
            Assert.Equal(here.ActorId, Fetch.Value(elsewhere.Task(static (p, n) => p.FindByName(n), name).Remote(), "a lookup by name from the actor's code"));
            // get_if_exists in the other namespace finds the first actor.
            var found = Ray.Actor(NamespaceProbe.Create).SetName(name).SetNamespace(other).SetGetIfExists(true).Remote();
            Assert.Equal(elsewhere.ActorId, found.ActorId);
            Assert.ThrowsAny<ArgumentException>(() => Ray.Actor(NamespaceProbe.Create).SetNamespace(" "));
        }
        finally
        {
            Ray.Kill(elsewhere);
            if (here is not null)
            {
                Ray.Kill(here);
            }
        }
    }

    [Fact]
    public void A_second_live_actor_with_a_taken_name_is_rejected()
    {
        cluster.EnsureRunning();
        var name = UniqueName();
        var counter = Ray.Actor(Counter.Create, 0).SetName(name).Remote();
        try
        {
            Assert.Throws<ArgumentException>(() => Ray.Actor(Counter.Create, 0).SetName(name).Remote());
            // The first one is unaffected.
            Assert.Equal(1, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "the original after the rejected duplicate"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void GetActor_of_an_unknown_name_throws_ArgumentException()
    {
        cluster.EnsureRunning();
        Assert.Throws<ArgumentException>(() => Ray.GetActor<Counter>(UniqueName()));
    }

    [Fact]
    public void A_killed_named_actor_is_no_longer_found_and_its_name_is_free()
    {
        cluster.EnsureRunning();
        var name = UniqueName();
        var counter = Ray.Actor(Counter.Create, 0).SetName(name).Remote();
        ActorHandle<Counter>? second = null;
        try
        {
            Fetch.Value(counter.Task(k => k.GetValue()).Remote(), "the named actor to be up");
            Ray.Kill(counter);
            ActorTesting.WaitForState(counter, "DEAD");

            Assert.Throws<ArgumentException>(() => Ray.GetActor<Counter>(name));
            second = Ray.Actor(Counter.Create, 7).SetName(name).Remote();
            Assert.Equal(7, Fetch.Value(Ray.GetActor<Counter>(name).Task(k => k.GetValue()).Remote(), "the new actor with the reused name"));
        }
        finally
        {
            Ray.Kill(counter);
            if (second is not null)
            {
                Ray.Kill(second);
            }
        }
    }
}
