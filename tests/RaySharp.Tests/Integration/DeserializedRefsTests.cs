using System.Runtime.CompilerServices;
using RaySharp.Common.Ids;
using RaySharp.Runtime;
using RaySharp.Serialization;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

/// <summary>
/// The refs read out of one value are counted in batches (<see cref="DeserializedRefs"/>): every one is counted once,
/// across batch boundaries, and a read that fails leaves no count behind.
/// </summary>
[Collection("Cluster")]
public class DeserializedRefsTests(ClusterFixture cluster)
{
    // Three full batches and a part of one.
    private const int RefCount = 3 * DeserializedRefs.BatchSize + 17;

    [Fact]
    public void Refs_read_from_a_value_in_several_batches_are_each_counted_once_and_released_when_collected()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        var originals = Enumerable.Range(0, RefCount).Select(Ray.Put).ToList();
        var ids = originals.Select(r => r.Id).ToArray();
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
    public void A_read_that_fails_after_reading_refs_leaves_no_count_and_the_next_read_counts_its_own()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        var originals = Enumerable.Range(0, RefCount).Select(Ray.Put).ToList();
        var ids = originals.Select(r => r.Id).ToArray();
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
        // Refs counted in the batches before the failure are released when collected; the rest were never counted.
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
