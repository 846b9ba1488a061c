using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;
using RaySharp.Tests.Integration;

namespace RaySharp.Tests.UnitTests;

public sealed class FanOutArraysTests
{
    private static readonly Address s_owner = new() { Endpoint = "owner:1", WorkerId = UniqueId.New().ToByteString() };

    [Fact]
    public void Equal_holds_in_a_row_share_one_array_and_other_holds_get_their_own()
    {
        var arrays = new FanOutArrays();
        var id = new ObjectId(UniqueId.New(), 1);
        var first = arrays.Holds([new ObjectHold(id, s_owner)]);
        Assert.Same(first, arrays.Holds([new ObjectHold(id, s_owner)]));

        var other = arrays.Holds([new ObjectHold(new ObjectId(UniqueId.New(), 1), s_owner)]);
        Assert.NotSame(first, other);
        // An equal owner that is another instance is not taken for the same: the array must keep what the task gave.
        var copy = arrays.Holds([new ObjectHold(id, new Address(s_owner))]);
        Assert.NotSame(first, copy);
        Assert.Equal(id, copy[0].Id);
        Assert.Empty(arrays.Holds([]));
    }

    [Fact]
    public void Equal_dependencies_in_a_row_share_one_array_that_does_not_keep_its_refs_alive()
    {
        var arrays = new FanOutArrays();
        var (shared, collected) = ShareThenDrop(arrays);
        Assert.True(shared, "two tasks on the same ref in a row should share one dependencies array");
        // Nothing but the cache saw the array and its ref: once the tasks dropped them, both must be collectable, or
        // the ref's finalizer (which lets its object go) would never run.
        Eventually.True(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return !collected.TryGetTarget(out _);
        }, TimeSpan.FromSeconds(30), "the last fan-out's array collected");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (bool Shared, WeakReference<(int, ObjectRef)[]> Array) ShareThenDrop(FanOutArrays arrays)
    {
        // Owned by this process when a test cluster runs beside: no foreign owner for the live worker to call.
        var owner = Runtime.CoreWorker.Current?.Address ?? s_owner;
        ObjectRef reference = new ObjectRef<int>(new ObjectId(UniqueId.New(), 1), owner);
        var first = arrays.Dependencies([(0, reference)]);
        var second = arrays.Dependencies([(0, reference)]);
        var other = arrays.Dependencies([(1, reference)]);
        Assert.NotSame(first, other);
        return (ReferenceEquals(first, second), new WeakReference<(int, ObjectRef)[]>(other));
    }
}
