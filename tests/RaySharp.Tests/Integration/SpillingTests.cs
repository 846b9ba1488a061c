using RaySharp.Tests.Integration.Functions;
using static RaySharp.Tests.Integration.StoreTestSupport;

namespace RaySharp.Tests.Integration;

/// <summary>
/// A full store spills primary copies to disk and restores them on Get (Ray's test_object_spilling.py),
/// and fails clearly only when nothing can make room. Each test runs a cluster with a small store of its own.
/// </summary>
[Collection("Cluster")]
public class SpillingTests(ClusterFixture cluster)
{
    private const int MiB = StoreFunctions.MiB;

    [Fact]
    public void Eight_hundred_MiB_of_puts_through_a_75_MiB_store_all_read_back_byte_equal()
    {
        using var own = new OwnCluster(cluster, 75L * MiB);
        var random = new Random(1234);
        var arrays = new List<byte[]>();
        var refs = new List<ObjectRef<byte[]>>();
        long total = 0;
        for (var i = 0; i < 100; i++)
        {
            var data = StoreFunctions.Pattern(random.Next(8 * MiB, 24 * MiB + 1), i);
            total += data.Length;
            arrays.Add(data);
            refs.Add(Ray.Put(data));
        }
        Assert.True(total > 800L * MiB, $"only {total} bytes were put");
        for (var n = 0; n < 1000; n++)
        {
            var i = random.Next(arrays.Count);
            var back = Ray.Get(refs[i], Fetch.DefaultTimeout);
            Assert.True(arrays[i].AsSpan().SequenceEqual(back), $"get {n} of object {i} differs from what was put");
        }
        var summary = Ray.MemorySummary();
        Assert.True(summary.SpilledObjects >= 90, summary.Stats());
        Assert.True(summary.RestoredObjects > 0, summary.Stats());
        Assert.All(summary.Nodes, node => Assert.True(node.Used <= node.Capacity));
    }

    [Fact]
    public void Four_50_MiB_results_in_a_100_MiB_store_are_spilled_and_three_reads_restore_three()
    {
        // One CPU, as Ray's test_spill_stats: the results are made one after the other.
        using var own = new OwnCluster(cluster, 100L * MiB, cpus: 1);
        var results = Enumerable.Range(0, 4).Select(i => Ray.Task(StoreFunctions.MakeBytes, 50 * MiB, i).Remote()).ToList();
        Ray.Wait(results, numReturns: 4, timeout: TimeSpan.FromSeconds(120));
        Eventually.True(() => Ray.MemorySummary().SpilledObjects == 4, StoreTimeout, "all 4 results to be spilled");
        var stats = Ray.MemorySummary().Stats();
        Assert.Contains("Spilled 200 MiB, 4 objects", stats, StringComparison.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(StoreFunctions.Pattern(50 * MiB, i), Ray.Get(results[i], Fetch.DefaultTimeout));
        }
        stats = Ray.MemorySummary().Stats();
        Assert.Contains("Restored 150 MiB, 3 objects", stats, StringComparison.Ordinal);
        Assert.Contains("Spilled 200 MiB, 4 objects", stats, StringComparison.Ordinal);
    }

    [Fact]
    public void A_put_larger_than_the_whole_store_fails_at_once_with_a_clear_message()
    {
        using var own = new OwnCluster(cluster, 75L * MiB);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.Throws<ObjectStoreFullException>(() => Ray.Put(new byte[80 * MiB]));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
        Assert.Contains("larger than the whole object store", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, StoreUsed());
        // Nothing was lost: the store still works.
        using var fits = Ray.Put(StoreFunctions.Pattern(10 * MiB, 5));
        Assert.Equal(StoreFunctions.Pattern(10 * MiB, 5), Ray.Get(fits, Fetch.DefaultTimeout));
    }

    [Fact]
    public void When_every_object_is_pinned_by_a_view_a_put_fails_after_a_bounded_wait_then_succeeds_once_released()
    {
        using var own = new OwnCluster(cluster, 100L * MiB);
        using var a = Ray.Put(new double[5 * MiB]);
        using var b = Ray.Put(new double[5 * MiB]);
        var viewA = a.GetView();
        var viewB = b.GetView();
        var ex = Assert.Throws<ObjectStoreFullException>(() => Ray.Put(new byte[40 * MiB]));
        Assert.Contains("Store usage: 80 MiB of 100 MiB", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 pinned by readers", ex.Message, StringComparison.Ordinal);
        viewA.Dispose();
        viewB.Dispose();
        using var c = Ray.Put(StoreFunctions.Pattern(40 * MiB, 9));
        Assert.Equal(StoreFunctions.Pattern(40 * MiB, 9), Ray.Get(c, Fetch.DefaultTimeout));
        Assert.True(Ray.MemorySummary().SpilledObjects >= 1);
    }

    [Fact]
    public void Nothing_of_the_store_remains_after_shutdown()
    {
        using (var own = new OwnCluster(cluster, 200L * MiB))
        {
            var results = Enumerable.Range(0, 6).Select(i => Ray.Task(StoreFunctions.MakeBytes, 50 * MiB, i).Remote()).ToList();
            Assert.Equal(6, Ray.Get(results, Fetch.DefaultTimeout).Length);
            Assert.True(Ray.MemorySummary().SpilledObjects > 0);
            Ray.Shutdown();
            Assert.Empty(Directory.Exists("/dev/shm") ? Directory.GetFileSystemEntries("/dev/shm", $"plasma_{Environment.ProcessId}_*") : []);
            Assert.Empty(Directory.EnumerateDirectories(Common.Store.SessionPaths.BaseDirectory, "session_*_" + Environment.ProcessId)
                .SelectMany(d => Directory.EnumerateFileSystemEntries(d, "*", SearchOption.AllDirectories)));
        }
    }
}
