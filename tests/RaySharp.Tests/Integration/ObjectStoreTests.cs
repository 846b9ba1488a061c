using System.Runtime.CompilerServices;
using RaySharp.Tests.Integration.Functions;
using static RaySharp.Tests.Integration.StoreTestSupport;

namespace RaySharp.Tests.Integration;

/// <summary>
/// The shared-memory object store and distributed reference counting (Ray's ReferenceCountingTest):
/// objects live exactly as long as something references them, anywhere.
/// </summary>
[Collection("Cluster")]
public class ObjectStoreTests(ClusterFixture cluster)
{
    private const int MiB = StoreFunctions.MiB;

    [Fact]
    public void A_large_put_is_stored_once_and_reads_back_byte_equal()
    {
        cluster.EnsureRunning();
        var data = StoreFunctions.Pattern(8 * MiB, 1);
        using var reference = Ray.Put(data);
        var stored = Find(reference);
        Assert.NotNull(stored);
        Assert.Equal(8 * MiB, stored.Size);
        Assert.True(stored.InMemory);
        Assert.True(stored.References.HasFlag(ReferenceType.LocalReference));
        Assert.Equal(data, Ray.Get(reference, Fetch.DefaultTimeout));
        Assert.Equal(StoreFunctions.Checksum(data), Ray.Get(Ray.Task(StoreFunctions.Checksum, reference).Remote(), Fetch.DefaultTimeout));
    }

    [Fact]
    public void Put_then_drop_the_ref_and_collect_frees_the_object_and_the_store_usage()
    {
        cluster.EnsureRunning();
        var before = StoreUsed();
        // Held until checked: a collection the runtime starts on its own may otherwise free it at once.
        var held = PutHeld(20 * MiB);
        var id = held.Value!.ObjectId;
        Assert.True(InStore(id));
        // Objects of earlier tests may be freed meanwhile, so the usage is compared as bounds, not exactly:
        // it held the new object, and falls back to at most what it was before.
        Assert.True(StoreUsed() >= 20 * MiB);
        held.Value = null;
        WaitUntilFreed(id, "an object whose only ref was collected");
        Eventually.True(() => StoreUsed() <= before, StoreTimeout, $"store usage to return to at most {before} bytes");
    }

    [Fact]
    public void Disposing_the_ref_frees_the_object_at_once()
    {
        cluster.EnsureRunning();
        var reference = Ray.Put(new byte[2 * MiB]);
        var id = reference.ObjectId;
        reference.Dispose();
        Eventually.True(() => !InStore(id), StoreTimeout, "the disposed object to leave the store");
    }

    [Fact]
    public void An_object_referenced_only_by_a_pending_task_lives_until_the_task_ends()
    {
        cluster.EnsureRunning();
        var gate = Ray.Task(StoreFunctions.Sleep, 3000).Remote();
        var (id, result) = SubmitWithDroppedArgument(gate);
        Collect();
        var held = Ray.MemorySummary().Objects.Single(o => o.ObjectId == id);
        Assert.True(held.References.HasFlag(ReferenceType.UsedByPendingTask), $"expected a pending-task reference, got {held.References}");
        Assert.False(held.References.HasFlag(ReferenceType.LocalReference));
        Assert.Equal(5 * MiB, Ray.Get(result, TimeSpan.FromSeconds(60)));
        WaitUntilFreed(id, "the argument of a finished task");
    }

    [Fact]
    public void An_outer_object_keeps_the_inner_object_alive_until_it_is_freed()
    {
        cluster.EnsureRunning();
        var (outer, innerId) = PutOuterHoldingInner();
        Collect();
        var inner = Ray.MemorySummary().Objects.Single(o => o.ObjectId == innerId);
        Assert.Equal(ReferenceType.CapturedInObject, inner.References & ~ReferenceType.PinnedInMemory);
        Assert.Equal(3 * MiB, Ray.Get(Ray.Task(StoreFunctions.InnerLength, outer).Remote(), Fetch.DefaultTimeout));
        Assert.True(InStore(innerId));
        outer.Dispose();
        WaitUntilFreed(innerId, "the inner object once the outer one is freed");
    }

    [Fact]
    public void A_ref_stored_inside_an_actor_keeps_its_object_alive_while_other_arguments_come_and_go()
    {
        cluster.EnsureRunning();
        var holder = Ray.Actor(() => new RefHolder()).Remote();
        var (id, checksum) = HandToActorAndDrop(holder);
        Collect();
        for (var i = 0; i < 10; i++)
        {
            var length = Ray.Get(Ray.Task(StoreFunctions.Length, StoreFunctions.Pattern(10 * MiB, 100 + i)).Remote(), Fetch.DefaultTimeout);
            Assert.Equal(10 * MiB, length);
            Collect();
        }
        var held = Ray.MemorySummary().Objects.Single(o => o.ObjectId == id);
        Assert.True(held.References.HasFlag(ReferenceType.Borrowed), $"expected the actor's borrow, got {held.References}");
        Assert.Equal(checksum, Ray.Get(holder.Task(h => h.ChecksumOfHeld()).Remote(), Fetch.DefaultTimeout));
        Assert.True(Ray.Get(holder.Task(h => h.Drop()).Remote(), Fetch.DefaultTimeout));
        WaitUntilFreed(id, "the object the actor let go of");
        Ray.Kill(holder);
    }

    [Fact]
    public void Four_tasks_read_one_stored_gigabyte_through_zero_copy_views_and_the_store_holds_one_copy()
    {
        cluster.EnsureRunning();
        const int count = 128 * MiB; // 1 GiB of doubles
        var values = GC.AllocateUninitializedArray<double>(count);
        for (var i = 0; i < count; i++)
        {
            values[i] = i % 1000;
        }
        var expected = (double)(count / 1000) * (999 * 1000 / 2) + Enumerable.Range(0, count % 1000).Sum();
        var usedBefore = StoreUsed();
        using var reference = Ray.Put(values);
        values = null;
        var sums = Enumerable.Range(0, 4)
            .Select(_ => Ray.Task(StoreFunctions.ViewSum, new[] { reference }, 4000).SetResource("CPU", 0.5).Remote())
            .ToList();
        Eventually.True(() => Find(reference)?.Pins >= 4, TimeSpan.FromSeconds(60), "4 tasks to hold views of the object at once");
        var during = StoreUsed() - usedBefore;
        Assert.InRange(during, 1024L * MiB, 1024L * MiB + 64 * MiB);
        Assert.All(Ray.Get(sums, TimeSpan.FromSeconds(120)), s => Assert.Equal(expected, s));

        using var view = reference.GetView();
        Assert.True(view.IsZeroCopy);
        Assert.Equal(count, view.Length);
        Assert.Equal(999.0, view.Span[999]);
        Assert.Equal((count - 1) % 1000, view.Span[count - 1]);
    }

    [Fact]
    public void A_two_gigabyte_byte_array_round_trips()
    {
        cluster.EnsureRunning();
        // The largest byte[] .NET allows: 2 GiB less 57 bytes.
        var data = GC.AllocateUninitializedArray<byte>(Array.MaxLength);
        new Random(7).NextBytes(data);
        using var reference = Ray.Put(data);
        var back = Ray.Get(reference, Fetch.DefaultTimeout);
        Assert.Equal(data.Length, back.Length);
        Assert.True(data.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public void Small_arrays_are_viewed_from_a_copy_and_a_views_pin_is_kept_for_the_next_read_until_the_ref_goes()
    {
        cluster.EnsureRunning();
        using (var small = Ray.Put(new[] { 1.0, 2.0 }).GetView())
        {
            Assert.False(small.IsZeroCopy);
            Assert.Equal([1.0, 2.0], small.Span.ToArray());
        }
        using var reference = Ray.Put(Enumerable.Range(0, 100_000).Select(i => (float)i).ToArray());
        var view = reference.GetView();
        Assert.True(view.IsZeroCopy);
        Assert.Equal(1, Find(reference)!.Pins);
        Assert.Equal(99_999f, view.Span[99_999]);
        view.Dispose();
        Assert.Throws<ObjectDisposedException>(() => view.Span[0]);
        // The driver owns the object: its pin stays in the driver's pin cache, and the next view and Get take no new one.
        using (var again = reference.GetView())
        {
            Assert.Equal(99_999f, again.Span[99_999]);
            Assert.Equal(99_999f, Ray.Get(reference, StoreTimeout)[99_999]);
            Assert.Equal(1, Find(reference)!.Pins);
        }
        // Once the ref goes, so does the kept pin, and the store deletes the object.
        reference.Dispose();
        Eventually.True(() => Find(reference) is not { Pins: > 0 }, StoreTimeout, "the kept pin to be released with the ref");
    }

    [Fact]
    public void Large_task_results_are_written_into_the_store_by_the_worker()
    {
        cluster.EnsureRunning();
        using var result = Ray.Task(StoreFunctions.MakeBytes, 6 * MiB, 3).Remote();
        Assert.Equal(StoreFunctions.Pattern(6 * MiB, 3), Ray.Get(result, Fetch.DefaultTimeout));
        var stored = Find(result);
        Assert.NotNull(stored);
        Assert.Equal(6 * MiB, stored.Size);
        Assert.Contains("MakeBytes", stored.CallSite, StringComparison.Ordinal);
        Assert.Contains("Spilled 0 MiB", Ray.MemorySummary().ToString(), StringComparison.Ordinal);
    }

    /// <summary>A ref only the box holds: once the box lets go of it, nothing in this process does (no stack slot of the caller's).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static StrongBox<ObjectRef<byte[]>?> PutHeld(int bytes) => new(Ray.Put(new byte[bytes]));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (string Id, ObjectRef<int> Result) SubmitWithDroppedArgument(ObjectRef<int> gate)
    {
        var argument = Ray.Put(StoreFunctions.Pattern(5 * MiB, 2));
        return (argument.ObjectId, Ray.Task(StoreFunctions.LengthAfter, argument, gate).Remote());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (ObjectRef<ObjectRef<byte[]>[]> Outer, string InnerId) PutOuterHoldingInner()
    {
        var inner = Ray.Put(new byte[3 * MiB]);
        return (Ray.Put(new[] { inner }), inner.ObjectId);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (string Id, long Checksum) HandToActorAndDrop(ActorHandle<RefHolder> holder)
    {
        var data = StoreFunctions.Pattern(10 * MiB, 42);
        var reference = Ray.Put(data);
        Assert.True(Ray.Get(holder.Task((h, r) => h.Hold(r), new[] { reference }).Remote(), Fetch.DefaultTimeout));
        return (reference.ObjectId, StoreFunctions.Checksum(data));
    }
}
