using RaySharp.Common.Ids;
using RaySharp.Gcs.Actors;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>Actor handle reference counting: entries go when nothing is left to count, and a dead holder releases only what it held.</summary>
public sealed class ActorHandleCountsTests
{
    private static ActorHandleEvent Holder(UniqueId actor, UniqueId holder, int delta) =>
        new() { ActorId = actor.ToByteString(), Holder = holder.ToByteString(), HolderDelta = delta };

    private static ActorHandleEvent Pin(UniqueId actor, string pin, int delta) =>
        new() { ActorId = actor.ToByteString(), Pin = pin, PinDelta = delta };

    [Fact]
    public void The_last_release_reports_out_of_scope_and_leaves_no_entry()
    {
        var counts = new ActorHandleCounts();
        UniqueId actor = UniqueId.New(), a = UniqueId.New(), b = UniqueId.New();

        Assert.False(counts.Apply(Holder(actor, a, 1)));
        Assert.False(counts.Apply(Pin(actor, "sent-to-b", 1)));
        Assert.False(counts.Apply(Holder(actor, a, -1)));    // still pinned
        Assert.False(counts.Apply(Holder(actor, b, 1)));
        Assert.False(counts.Apply(Pin(actor, "sent-to-b", -1)));
        Assert.True(counts.Apply(Holder(actor, b, -1)));

        Assert.Equal(0, counts.Count);
        Assert.Equal(0, counts.HolderCount);
    }

    [Fact]
    public void Pins_alone_never_make_an_actor_out_of_scope()
    {
        var counts = new ActorHandleCounts();
        var actor = UniqueId.New();

        Assert.False(counts.Apply(Pin(actor, "p", 1)));
        Assert.False(counts.Apply(Pin(actor, "p", -1)));
        Assert.Equal(0, counts.Count);
    }

    [Fact]
    public void Releases_for_an_actor_with_nothing_counted_make_no_entry()
    {
        var counts = new ActorHandleCounts();
        var actor = UniqueId.New();

        Assert.False(counts.Apply(Holder(actor, UniqueId.New(), -1)));
        Assert.False(counts.Apply(Pin(actor, "p", -1)));
        Assert.Equal(0, counts.Count);
    }

    [Fact]
    public void A_dead_holder_releases_exactly_the_actors_it_held()
    {
        var counts = new ActorHandleCounts();
        UniqueId x = UniqueId.New(), y = UniqueId.New(), z = UniqueId.New(), dying = UniqueId.New(), other = UniqueId.New();
        counts.Apply(Holder(x, dying, 1));
        counts.Apply(Holder(y, dying, 1));
        counts.Apply(Holder(y, other, 1));
        counts.Apply(Holder(z, other, 1));

        var emptied = counts.RemoveHolder(dying);

        Assert.Equal([x], emptied);
        Assert.Equal(2, counts.Count);          // y (other still holds it) and z
        Assert.Equal(1, counts.HolderCount);    // other
        Assert.Empty(counts.RemoveHolder(dying));
        Assert.Equal(new[] { y, z }.OrderBy(id => id.Value), counts.RemoveHolder(other).OrderBy(id => id.Value));
        Assert.Equal(0, counts.Count);
        Assert.Equal(0, counts.HolderCount);
    }

    [Fact]
    public void Forget_drops_an_actor_and_its_holders_index()
    {
        var counts = new ActorHandleCounts();
        UniqueId actor = UniqueId.New(), holder = UniqueId.New();
        counts.Apply(Holder(actor, holder, 1));
        counts.Apply(Pin(actor, "p", 1));

        counts.Forget(actor);

        Assert.Equal(0, counts.Count);
        Assert.Equal(0, counts.HolderCount);
        Assert.Empty(counts.RemoveHolder(holder));
    }
}
