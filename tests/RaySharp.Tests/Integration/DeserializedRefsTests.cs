using RaySharp.Common.Ids;
using RaySharp.Runtime;
using RaySharp.Serialization;

namespace RaySharp.Tests.Integration;

/// <summary>
/// The refs read out of one value are counted in batches (<see cref="DeserializedRefs"/>): every one is counted once,
/// across batch boundaries, before a value read by code the read runs comes back, and when a read fails; one disposed
/// before its batch was counted never is.
/// </summary>
[Collection("Cluster")]
public class DeserializedRefsTests(ClusterFixture cluster)
{
    // Three full batches and a part of one.
    private const int RefCount = 3 * DeserializedRefs.BatchSize + 17;

    [Fact]
    public void Refs_read_from_a_value_in_several_batches_are_each_counted_once_and_released_when_collected()
    {
        var (worker, originals, ids) = Puts();
        using var container = Ray.Put(originals);

        var readBack = Ray.Get(container, Fetch.DefaultTimeout);
        // The originals and the read-back refs: two local refs each.
        var counts = LocalRefs(worker, ids);
        Assert.All(ids, id => Assert.Equal(2, counts.GetValueOrDefault(id)));
        Assert.Equal(Enumerable.Range(0, RefCount), Ray.Get(readBack, Fetch.DefaultTimeout));

        // Read back, each ref holds its object's entry as a ref made by the program does: held weakly once the
        // originals and the container are gone.
        foreach (var r in originals)
        {
            r.Dispose();
        }
        container.Dispose();
        Eventually.True(() => ids.All(worker.Memory.IsHeldWeakly), Fetch.DefaultTimeout, "the read-back objects to be held weakly");
        Assert.Equal(Enumerable.Range(0, RefCount), Ray.Get(readBack, Fetch.DefaultTimeout));

        GC.KeepAlive(readBack);
        readBack = null;
        Eventually.True(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return LocalRefs(worker, ids).Count == 0;
        }, Fetch.DefaultTimeout, "the collected read-back refs to be released");
    }

    [Fact]
    public void A_read_that_fails_after_reading_refs_leaves_no_count_once_they_are_collected_and_the_next_read_counts_its_own()
    {
        var (worker, originals, ids) = Puts();
        using var container = Ray.Put(new RefsThenCheck { Refs = originals, Check = 1 });

        RefsThenCheck.Armed = true;
        try
        {
            Assert.ThrowsAny<Exception>(() => Ray.Get(container, Fetch.DefaultTimeout));
        }
        finally
        {
            RefsThenCheck.Armed = false;
        }
        // The failed read's refs were counted as it ended, and are released when collected.
        Eventually.True(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var now = LocalRefs(worker, ids);
            return ids.All(id => now.GetValueOrDefault(id) == 1);
        }, Fetch.DefaultTimeout, "only the originals to count once the failed read's refs were collected");

        // The next read on this thread counts exactly its own refs (none left over from the failed one).
        var read = Ray.Get(container, Fetch.DefaultTimeout);
        var counts = LocalRefs(worker, ids);
        Assert.All(ids, id => Assert.Equal(2, counts.GetValueOrDefault(id)));
        Assert.Equal(1, read.Check);
        GC.KeepAlive(originals);
        GC.KeepAlive(read);
    }

    [Fact]
    public void Code_run_during_a_read_finds_the_refs_it_was_handed_counted_and_can_read_values_itself()
    {
        var (worker, originals, ids) = Puts();
        using var inner = Ray.Put(originals);
        using var container = Ray.Put(new ReadsInside { Refs = originals, Inner = inner });

        int[]? countsSeen = null;
        ReadsInside.Hook = read =>
        {
            // Mid-read, a value read from here: once it is back, the refs of both reads are counted (the same objects:
            // the originals, this read's refs and the inner read's, three each), but for the one disposed before.
            read.Refs[0].Dispose();
            var innerRefs = Ray.Get(read.Inner!, Fetch.DefaultTimeout);
            var now = LocalRefs(worker, ids);
            countsSeen = [.. ids.Select(id => now.GetValueOrDefault(id))];
            GC.KeepAlive(innerRefs);
            GC.KeepAlive(read.Refs);
        };
        ReadsInside value;
        try
        {
            value = Ray.Get(container, Fetch.DefaultTimeout);
        }
        finally
        {
            ReadsInside.Hook = null;
        }

        Assert.NotNull(countsSeen);
        Assert.Equal(2, countsSeen[0]);
        Assert.All(countsSeen.Skip(1), c => Assert.Equal(3, c));
        Assert.Equal(RefCount, value.Refs.Count);
        Assert.Equal(Enumerable.Range(1, RefCount - 1), Ray.Get(value.Refs.Skip(1).ToList(), Fetch.DefaultTimeout));
        GC.KeepAlive(originals);
    }

    private (CoreWorker Worker, List<ObjectRef<int>> Originals, ObjectId[] Ids) Puts()
    {
        cluster.EnsureRunning();
        var originals = Enumerable.Range(0, RefCount).Select(Ray.Put).ToList();
        return (CoreWorker.Require(), originals, [.. originals.Select(r => r.Id)]);
    }

    private static Dictionary<ObjectId, int> LocalRefs(CoreWorker worker, ObjectId[] ids)
    {
        var wanted = ids.ToHashSet();
        return worker.References.Snapshot()
            .Select(r => (Id: ObjectId.FromByteString(r.ObjectId), r.LocalRefs))
            .Where(r => wanted.Contains(r.Id) && r.LocalRefs > 0)
            .ToDictionary(r => r.Id, r => r.LocalRefs);
    }
}

/// <summary>A value whose read fails after its refs were read, while <see cref="Armed"/>.</summary>
public sealed class RefsThenCheck
{
    public static volatile bool Armed;

    public List<ObjectRef<int>> Refs { get; set; } = [];

    public int Check
    {
        get;
        set => field = Armed ? throw new InvalidOperationException("The read was made to fail.") : value;
    }
}

/// <summary>A value that runs <see cref="Hook"/> as its last member is set, while the read goes on.</summary>
public sealed class ReadsInside
{
    public static Action<ReadsInside>? Hook;

    public List<ObjectRef<int>> Refs { get; set; } = [];

    public ObjectRef<List<ObjectRef<int>>>? Inner { get; set; }

    public int Last
    {
        get;
        set
        {
            field = value;
            Hook?.Invoke(this);
        }
    }
}
