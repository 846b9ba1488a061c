using RaySharp.Tests.Driver;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's <c>ray.util.list_named_actors</c> (test_list_named_actors_*): live named actors, of this namespace or of all.</summary>
[Collection("Cluster")]
public sealed class ListNamedActorsTests(ClusterFixture cluster)
{
    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public void Lists_live_named_actors_of_this_namespace_and_drops_them_at_death()
    {
        cluster.EnsureRunning();
        var name = UniqueName("listed");
        var named = Ray.Actor(Counter.Create, 0).SetName(name).Remote();
        using var unnamed = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            Fetch.Value(unnamed.Task(c => c.GetValue()).Remote(), "the unnamed actor to be up");

            Assert.Contains(new NamedActorInfo(name, ClusterFixture.Namespace), Ray.ListNamedActors());
            Assert.All(Ray.ListNamedActors(), a => Assert.Equal(ClusterFixture.Namespace, a.Namespace));
            Assert.DoesNotContain(Ray.ListNamedActors(), a => a.Name.Length == 0);

            Ray.Kill(named);
            ActorTesting.WaitForState(named, "DEAD");
            Assert.DoesNotContain(Ray.ListNamedActors(allNamespaces: true), a => a.Name == name);
        }
        finally
        {
            Ray.Kill(named);
            Ray.Kill(unnamed);
        }
    }

    [Fact]
    public void All_namespaces_include_another_drivers_namespace()
    {
        cluster.EnsureRunning();
        var otherNamespace = UniqueName("other-ns");
        var detachedName = UniqueName("detached");
        // A second driver in its own namespace leaves a detached named actor behind (and a non-detached one that ends with its job).
        var run = SecondDriver.Run(["create-nondetached", otherNamespace, UniqueName("nondetached"), detachedName])
            .AssertSucceededIn(Ray.GetRuntimeContext().NodeId);
        var detached = Ray.GetActor<SharedCounter>(detachedName, otherNamespace);
        try
        {
            Assert.Equal(run["detached_id"], detached.ActorId);

            Assert.DoesNotContain(Ray.ListNamedActors(), a => a.Namespace == otherNamespace);
            Eventually.True(() => Ray.ListNamedActors(allNamespaces: true).Where(a => a.Namespace == otherNamespace)
                    .SequenceEqual([new NamedActorInfo(detachedName, otherNamespace)]),
                ActorTesting.Timeout, "the other namespace to list only its detached actor once the second driver's job ended");
        }
        finally
        {
            Ray.Kill(detached);
        }
        ActorTesting.WaitForState(detached, "DEAD");
        Assert.DoesNotContain(Ray.ListNamedActors(allNamespaces: true), a => a.Namespace == otherNamespace);
    }
}
