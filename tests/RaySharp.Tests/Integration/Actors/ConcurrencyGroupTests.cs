using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>
/// Ray's concurrency groups: an actor's named groups each run their calls with their own limit, beside the default
/// group; a method joins one with <see cref="ConcurrencyGroupAttribute"/>, a call with SetConcurrencyGroup. Calls are
/// gated by files, so which calls have started is seen from here while they wait.
/// </summary>
[Collection("Cluster")]
public sealed class ConcurrencyGroupTests(ClusterFixture cluster)
{
    // How long a call that must not start is given to show that it does not: long beside a call's start here (ms),
    // and a call that started wrongly is caught whenever it starts within it.
    private static readonly TimeSpan s_notStarted = TimeSpan.FromMilliseconds(700);

    [Theory]
    [InlineData(ActorIsolation.Process)]
    [InlineData(ActorIsolation.Shared)]
    public void A_groups_calls_run_with_its_own_limit_beside_the_default_group(ActorIsolation isolation)
    {
        cluster.EnsureRunning();
        var directory = Directory.CreateTempSubdirectory("groups").FullName;
        var actor = Ray.Actor(GroupedActor.Create).SetIsolation(isolation).SetConcurrencyGroup("io", 2).SetConcurrencyGroup("compute", 1).Remote();
        try
        {
            // The attribute puts Io in "io": two run at once, the third waits for a place.
            var io = new[] { "io1", "io2", "io3" }.Select(tag => actor.Task(static (a, d, t) => a.Io(d, t), directory, tag).Remote()).ToList();
            Started(directory, "io1", "io2");
            // The default group (one call at a time) does not wait behind them.
            Assert.Equal("pong", Fetch.Value(actor.Task(static a => a.Ping()).Remote(), "a call of the default group while the io group is full"));
            // A call put in "compute" runs beside them; the next compute call waits for it.
            var compute = new[] { "c1", "c2" }.Select(tag => actor.Task(static (a, d, t) => a.Compute(d, t), directory, tag).SetConcurrencyGroup("compute").Remote()).ToList();
            Started(directory, "c1");
            Thread.Sleep(s_notStarted);
            Assert.False(File.Exists(Path.Combine(directory, "io3")), "a third io call started while two held the group's two places");
            Assert.False(File.Exists(Path.Combine(directory, "c2")), "a second compute call started while one held the group's place");

            Release(directory, "io1");
            Started(directory, "io3");
            Release(directory, "c1");
            Started(directory, "c2");
            Release(directory, "io2", "io3", "c2");
            Assert.Equal(["io1", "io2", "io3"], Fetch.Values(io, "the io calls"));
            Assert.Equal(["c1", "c2"], Fetch.Values(compute, "the compute calls"));
        }
        finally
        {
            Ray.Kill(actor);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_async_actors_group_limits_its_calls_and_leaves_the_default_group_free()
    {
        cluster.EnsureRunning();
        var directory = Directory.CreateTempSubdirectory("groups").FullName;
        var actor = Ray.Actor(AsyncGroupedActor.Create).SetConcurrencyGroup("io", 1).Remote();
        try
        {
            var first = actor.Task(static (a, d, t) => a.IoAsync(d, t), directory, "io1").Remote();
            var second = actor.Task(static (a, d, t) => a.IoAsync(d, t), directory, "io2").Remote();
            Started(directory, "io1");
            Assert.Equal("pong", Fetch.Value(actor.Task(static a => a.PingAsync()).Remote(), "a call of the default group while the io group is full"));
            Thread.Sleep(s_notStarted);
            Assert.False(File.Exists(Path.Combine(directory, "io2")), "a second io call started while one held the group's place");

            Release(directory, "io1");
            Started(directory, "io2");
            Release(directory, "io2");
            Assert.Equal("io1", Fetch.Value(first, "the first io call"));
            Assert.Equal("io2", Fetch.Value(second, "the second io call"));
        }
        finally
        {
            Ray.Kill(actor);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Bad_groups_are_refused_at_the_call_and_an_unknown_one_fails_the_call_naming_the_actors_groups()
    {
        cluster.EnsureRunning();
        Assert.ThrowsAny<ArgumentException>(() => Ray.Actor(GroupedActor.Create).SetConcurrencyGroup("", 1));
        Assert.ThrowsAny<ArgumentException>(() => Ray.Actor(GroupedActor.Create).SetConcurrencyGroup(null!, 1));
        Assert.Throws<ArgumentException>(() => Ray.Actor(GroupedActor.Create).SetConcurrencyGroup("io", 0));
        var grouped = Ray.Actor(GroupedActor.Create).SetConcurrencyGroup("io", 1).SetConcurrencyGroup("compute", 1).Remote();
        var plain = Ray.Actor(GroupedActor.Create).Remote();
        try
        {
            Assert.ThrowsAny<ArgumentException>(() => grouped.Task(static a => a.Ping()).SetConcurrencyGroup(""));
            var unknown = Assert.Throws<RayTaskException>(() => Ray.Get(grouped.Task(static a => a.Ping()).SetConcurrencyGroup("nope").Remote(), ActorTesting.Timeout));
            Assert.Contains("no concurrency group 'nope'", unknown.Message, StringComparison.Ordinal);
            Assert.Contains("compute, io and the default group", unknown.Message, StringComparison.Ordinal);
            // A method marked for a group the actor did not define fails alike; the actors serve on.
            var undefined = Assert.Throws<RayTaskException>(() => Ray.Get(plain.Task(static (a, d, t) => a.Io(d, t), "unused", "x").Remote(), ActorTesting.Timeout));
            Assert.Contains("no concurrency group 'io'", undefined.Message, StringComparison.Ordinal);
            Assert.Contains("only the default group", undefined.Message, StringComparison.Ordinal);
            Assert.Equal("pong", Fetch.Value(grouped.Task(static a => a.Ping()).Remote(), "a call after the refused one"));
            Assert.Equal("pong", Fetch.Value(plain.Task(static a => a.Ping()).Remote(), "a call after the refused one"));
        }
        finally
        {
            Ray.Kill(grouped);
            Ray.Kill(plain);
        }
    }

    private static void Started(string directory, params string[] tags)
    {
        foreach (var tag in tags)
        {
            Eventually.True(() => File.Exists(Path.Combine(directory, tag)), ActorTesting.Timeout, $"call {tag} to start");
        }
    }

    private static void Release(string directory, params string[] tags)
    {
        foreach (var tag in tags)
        {
            File.WriteAllText(Gate.ReleasePath(directory, tag), "");
        }
    }
}
