using System.Runtime.CompilerServices;
using RaySharp.Common.Ids;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

/// <summary>
/// An object that only refs in this process keep alive goes with its last ref: the memory store holds its entry
/// weakly then, so the collection that finds the refs dead takes the entry and its value too, instead of promoting
/// them to wait for the refs' finalizers. Anything else that holds the object (a pending task, a borrower, an owned
/// value) makes the store hold it strongly again.
/// </summary>
[Collection("Cluster")]
public class RefLifetimeTests(ClusterFixture cluster)
{
    [Fact]
    public void A_finished_result_only_a_ref_holds_goes_in_the_collection_that_finds_the_ref_dead()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        var (entry, id) = FinishedResultHeldWeakly(worker);
        // One collection, and no finalizer waited for: the entry is gone already.
        GC.Collect();
        Assert.False(entry.TryGetTarget(out _), "the entry of a result whose only ref died outlived the collection that found the ref dead");
        // The ref's release then frees the id: its slot and its count go.
        Eventually.True(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return !worker.Memory.Contains(id) && !Counted(worker, id);
        }, Fetch.DefaultTimeout, "the freed result's slot and count to go");
    }

    [Fact]
    public void A_weakly_held_object_is_held_strongly_while_a_task_takes_it_and_weakly_again_after()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        using var square = Ray.Task(BasicFunctions.Square, 6).Remote();
        Assert.Equal(36, Ray.Get(square, Fetch.DefaultTimeout));
        Eventually.True(() => worker.Memory.IsHeldWeakly(square.Id), Fetch.DefaultTimeout, "a finished result only its ref holds to be held weakly");

        using var slow = Ray.Task(BasicFunctions.SleepThenReturn, 1, 1500).Remote();
        var sum = Ray.Task(BasicFunctions.Add, square, slow).Remote();
        // The pending task holds it by id: the store must keep it whatever becomes of the ref.
        Assert.False(worker.Memory.IsHeldWeakly(square.Id), "an object a pending task takes is still held weakly");
        Assert.Equal(37, Ray.Get(sum, Fetch.DefaultTimeout));
        Eventually.True(() => worker.Memory.IsHeldWeakly(square.Id), Fetch.DefaultTimeout, "the object to be held weakly again once the task finished");
        Assert.Equal(36, Ray.Get(square, Fetch.DefaultTimeout));
    }

    [Fact]
    public void A_task_keeps_its_argument_after_the_ref_that_was_passed_dies()
    {
        cluster.EnsureRunning();
        var sum = SubmitAndDropTheArgument();
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(50, Fetch.Value(sum, "the sum of a task whose argument's only ref died while it waited"));
    }

    [Fact]
    public void Refs_read_back_from_a_value_keep_the_objects_after_the_first_refs_die()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        var echoed = EchoAndDropTheOriginals(40);
        var ids = echoed.Select(r => r.Id).ToArray();
        // Collections meanwhile, on another thread too, as the program's own would run.
        var stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Thread.Sleep(1);
            }
        });
        collector.Start();
        for (var round = 0; round < 20; round++)
        {
            Assert.Equal(Enumerable.Range(0, 40), Ray.Get(echoed, Fetch.DefaultTimeout));
        }
        Volatile.Write(ref stop, true);
        Assert.True(collector.Join(Fetch.DefaultTimeout), "the collecting thread did not stop");
        // Only the read-back refs hold them now, and they hold the entries: held weakly.
        Eventually.True(() => ids.All(worker.Memory.IsHeldWeakly), Fetch.DefaultTimeout, "the read-back objects to be held weakly");
        GC.KeepAlive(echoed);
    }

    [Fact]
    public void An_object_holding_refs_and_an_error_are_held_strongly()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        using var alone = Ray.Put(4);
        using var inner = Ray.Put(5);
        using var outer = Ray.Put(new List<ObjectRef<int>> { inner });
        using var failed = Ray.Task(ManyRefFunctions.Fail, 3).Remote();
        Assert.ThrowsAny<RayTaskException>(() => Ray.Get(failed, Fetch.DefaultTimeout));
        Eventually.True(() => worker.Memory.IsHeldWeakly(alone.Id), Fetch.DefaultTimeout, "a put value only its ref holds to be held weakly");
        // Freeing the outer one uncounts the ref inside, and an unread error is reported when freed: both need the entry.
        // The inner one is held by the outer one, by id.
        Assert.False(worker.Memory.IsHeldWeakly(outer.Id));
        Assert.False(worker.Memory.IsHeldWeakly(failed.Id));
        Assert.False(worker.Memory.IsHeldWeakly(inner.Id));
        outer.Dispose();
        Eventually.True(() => worker.Memory.IsHeldWeakly(inner.Id), Fetch.DefaultTimeout, "the inner value to be held weakly once the outer one was freed");
        Assert.Equal(5, Ray.Get(inner, Fetch.DefaultTimeout));
    }

    [Fact]
    public void A_disposed_ref_kept_in_a_list_does_not_keep_the_value()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        var kept = new List<ObjectRef<byte[]>> { Ray.Put(new byte[50_000]) };
        var entry = EntryOf(worker, kept[0]);
        kept[0].Dispose();
        GC.Collect();
        Assert.False(entry.TryGetTarget(out _), "a disposed ref still in a list kept its object's entry and value in memory");
        Assert.Single(kept);
    }

    [Fact]
    public async Task Items_of_a_stream_are_held_weakly_once_read()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        using var stream = Ray.Task(GeneratorFunctions.Range, 5).RemoteStream();
        var items = new List<ObjectRef<int>>();
        using var timeout = new CancellationTokenSource(Fetch.DefaultTimeout);
        while (await stream.NextAsync(timeout.Token) is { } item)
        {
            items.Add(item);
        }
        Assert.Equal(Enumerable.Range(0, 5), await Ray.GetAsync(items).WaitAsync(Fetch.DefaultTimeout));
        // An item's ref is made with its entry there, so it holds it.
        Eventually.True(() => items.All(r => worker.Memory.IsHeldWeakly(r.Id)), Fetch.DefaultTimeout, "read stream items to be held weakly");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<ObjectEntry> EntryOf(CoreWorker worker, ObjectRef reference)
    {
        Assert.True(worker.Memory.TryGet(reference.Id, out var entry));
        return new WeakReference<ObjectEntry>(entry);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference<ObjectEntry> Entry, ObjectId Id) FinishedResultHeldWeakly(CoreWorker worker)
    {
        var reference = Ray.Task(BasicFunctions.Square, 7).Remote();
        Assert.Equal(49, Ray.Get(reference, Fetch.DefaultTimeout));
        var id = reference.Id;
        Eventually.True(() => worker.Memory.IsHeldWeakly(id), Fetch.DefaultTimeout, "a finished result only its ref holds to be held weakly");
        Assert.True(worker.Memory.TryGet(id, out var entry));
        return (new WeakReference<ObjectEntry>(entry), id);
    }

    [Fact]
    public void The_reference_table_and_the_memory_store_shrink_once_a_burst_of_refs_is_gone_and_the_refs_left_keep_working()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        using var kept = Ray.Put(42);
        var before = worker.References.Count;
        var (tablePeak, storePeak) = PutAndDropMany(worker, 100_000);
        Assert.True(tablePeak >= 100_000, "the burst grew the table");
        Assert.True(storePeak >= 100_000, "the burst grew the memory store");
        Eventually.True(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return worker.References.Count <= before + 1_000;
        }, Fetch.DefaultTimeout, "the burst's refs to be released");
        // At least an eighth full, or room for twice MinShrinkCapacity at most: the arrays of the burst's peak are gone.
        var count = worker.References.Count;
        Assert.True(worker.References.Capacity <= Math.Max(2 * ReferenceCounter.MinShrinkCapacity, 8 * (count + 1)),
            $"the table still has room for {worker.References.Capacity} objects with {count} left");
        // Each stripe at least an eighth full, or with room for about twice MinShrinkCapacity at most (a trim rounds up to a
        // prime, so three times it is allowed).
        var (storeRoom, slots) = (worker.Memory.Capacity, worker.Memory.Count);
        Assert.True(storeRoom <= MemoryStore.StripeCount * 3 * MemoryStore.MinShrinkCapacity + 8 * (slots + 1),
            $"the memory store still has room for {storeRoom} objects with {slots} left");
        Assert.Equal(42, Ray.Get(kept, Fetch.DefaultTimeout));
        Assert.True(Counted(worker, kept.Id), "a ref kept through the shrink is still counted");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (int Table, int Store) PutAndDropMany(CoreWorker worker, int count)
    {
        var refs = new List<ObjectRef<int>>(count);
        for (var i = 0; i < count; i++)
        {
            refs.Add(Ray.Put(i));
        }
        var peak = (worker.References.Capacity, worker.Memory.Capacity);
        foreach (var r in refs)
        {
            r.Dispose();
        }
        return peak;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ObjectRef<int> SubmitAndDropTheArgument()
    {
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 0, 1500).Remote();
        var square = Ray.Task(BasicFunctions.Square, 7).Remote();
        Ray.Get(square, Fetch.DefaultTimeout);
        // Not ready when the task is submitted: it stays a dependency until `slow` ends, and its ref dies meanwhile.
        var pending = Ray.Task(BasicFunctions.Add, slow, 1).Remote();
        return Ray.Task(BasicFunctions.SlowAdd, square, pending, 0).Remote();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<ObjectRef<int>> EchoAndDropTheOriginals(int count)
    {
        var originals = Enumerable.Range(0, count).Select(Ray.Put).ToList();
        using var container = Ray.Task(NestedFunctions.Echo, originals).Remote();
        return Ray.Get(container, Fetch.DefaultTimeout);
    }

    private static bool Counted(CoreWorker worker, ObjectId id)
    {
        var bytes = id.ToByteString();
        return worker.References.Snapshot().Any(r => r.ObjectId.Equals(bytes));
    }
}
