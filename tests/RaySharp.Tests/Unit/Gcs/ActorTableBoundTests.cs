using RaySharp.Common.Ids;
using RaySharp.Gcs;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>
/// The GCS actor table keeps dead actors for inspection only up to <see cref="GcsOptions.MaxDeadActors"/>
/// (issue 11: it only grew), forgets the longest dead first, and whoever asks about a forgotten or dead
/// actor gets an answer at once.
/// </summary>
public sealed class ActorTableBoundTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Dead_actors_past_the_bound_are_forgotten_longest_dead_first()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions { MaxDeadActors = 3 });
        var dead = new List<UniqueId>();
        for (var i = 0; i < 5; i++)
        {
            dead.Add(await gcs.RegisterDeadAsync());
        }

        Assert.Equal(3, gcs.Actors.Count);
        Assert.Equal(dead.Skip(2).OrderBy(id => id.Value), gcs.Actors.List().Select(e => UniqueId.FromByteString(e.ActorId)).OrderBy(id => id.Value));
        Assert.Null(gcs.Entry(dead[0]));
        Assert.Null(gcs.Entry(dead[1]));
        Assert.All(dead.Skip(2), id => Assert.Equal(ActorState.Dead, gcs.Entry(id)!.State));
        // A long-poll on a forgotten actor is answered at once (NotFound: callers take it as dead).
        Assert.Null(await gcs.Actors.WaitUpdateAsync(dead[0], 0, CancellationToken.None).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Live_actors_are_never_forgotten_however_many_die()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions { MaxDeadActors = 1 });
        var live = GcsHarness.Spec();
        Assert.Empty((await gcs.Actors.RegisterAsync(live)).Error);
        for (var i = 0; i < 4; i++)
        {
            await gcs.RegisterDeadAsync();
        }

        Assert.Equal(2, gcs.Actors.Count);
        Assert.Equal(ActorState.Pending, gcs.Entry(UniqueId.FromByteString(live.ActorId))!.State);
    }

    [Fact]
    public async Task A_long_poll_on_a_dead_actor_returns_at_once_whatever_version_the_caller_knows()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions());
        var id = await gcs.RegisterDeadAsync();
        var version = gcs.Entry(id)!.Version;

        var entry = await gcs.Actors.WaitUpdateAsync(id, version, CancellationToken.None).WaitAsync(s_timeout);

        Assert.Equal(ActorState.Dead, entry!.State);
    }

    [Fact]
    public async Task A_dead_named_actor_leaves_the_name_table()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions());
        await gcs.RegisterDeadAsync(name: "one");

        Assert.Equal(0, gcs.Actors.NamedCount);
        Assert.Null(gcs.Actors.Find(new GetActorInfoRequest { Name = "one", Namespace = "ns" }));
    }

    [Fact]
    public async Task A_dead_actor_has_no_handle_counts_and_late_events_make_none()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions());
        var spec = GcsHarness.Spec(name: "kept");   // named: going out of scope does not kill it
        Assert.Empty((await gcs.Actors.RegisterAsync(spec)).Error);
        var holder = UniqueId.New().ToByteString();
        await gcs.Actors.OnHandleEventAsync(new ActorHandleEvent { ActorId = spec.ActorId, Holder = holder, HolderDelta = 1 });
        await gcs.Actors.OnHandleEventAsync(new ActorHandleEvent { ActorId = spec.ActorId, Pin = "p1", PinDelta = 1 });
        Assert.Equal(1, gcs.Actors.Handles.Count);

        await gcs.Actors.KillAsync(UniqueId.FromByteString(spec.ActorId), noRestart: true);
        Assert.Equal(0, gcs.Actors.Handles.Count);
        Assert.Equal(0, gcs.Actors.Handles.HolderCount);

        // A handle deserialized after the death, and a release that comes late, count nothing.
        await gcs.Actors.OnHandleEventAsync(new ActorHandleEvent { ActorId = spec.ActorId, Holder = UniqueId.New().ToByteString(), HolderDelta = 1 });
        await gcs.Actors.OnHandleEventAsync(new ActorHandleEvent { ActorId = spec.ActorId, Holder = holder, HolderDelta = -1 });
        Assert.Equal(0, gcs.Actors.Handles.Count);
        Assert.Equal(0, gcs.Actors.Handles.HolderCount);
    }
}
