using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// A list Wait returned keeps each ref's memory-store entry; an entry the store replaced or dropped since must not be
/// trusted, or a Wait would see a lost object's old value as ready instead of the reconstruction under way.
/// </summary>
public sealed class ResolvedRefListTests
{
    [Fact]
    public void The_store_marks_every_entry_it_replaces_or_drops_as_superseded()
    {
        var memory = new MemoryStore();
        var id = new ObjectId(UniqueId.New(), 1);
        var first = memory.AddPending(id, "f");
        Assert.Same(first, memory.AddPending(id, "f"));
        Assert.False(first.Superseded);

        var rerun = memory.Reset(id, "f");
        Assert.True(first.Superseded);
        Assert.False(rerun.Superseded);

        memory.ReplaceBorrowed(id, new ObjectValue());
        Assert.True(rerun.Superseded);
        Assert.True(memory.TryGet(id, out var borrowed));
        Assert.False(borrowed.Superseded);

        var put = memory.AddReady(id, new ObjectValue());
        Assert.True(borrowed.Superseded);

        memory.Remove(id);
        Assert.True(put.Superseded);

        var other = memory.AddPending(new ObjectId(UniqueId.New(), 1), "g");
        memory.Clear();
        Assert.True(other.Superseded);
    }

    [Fact]
    public void Entries_keeps_current_ones_and_resolves_superseded_ones_again()
    {
        var memory = new MemoryStore();
        // This process's address when a test cluster runs beside (unit tests run in parallel with it): a ref of a foreign,
        // empty owner would be registered with that owner by the live worker, and its finalizer would call it.
        var owner = Runtime.CoreWorker.Current?.Address ?? new Address();
        var refs = Enumerable.Range(0, 3).Select(_ => new ObjectRef<int>(new ObjectId(UniqueId.New(), 1), owner)).ToArray();
        var entries = refs.Select(r => memory.AddPending(r.Id, "f")).ToArray();
        var list = new ResolvedRefList<ObjectRef<int>>(null!, refs, entries, count: 3);
        var fresh = memory.Reset(refs[1].Id, "f");

        var resolved = list.Entries(r => memory.TryGet(r.Id, out var e) ? e : throw new InvalidOperationException($"{r} is not in the store"));

        Assert.Equal([entries[0], fresh, entries[2]], resolved);
        Assert.NotSame(entries, resolved);
        Assert.Equal(refs, list);
    }
}
