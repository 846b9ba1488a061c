using System.Diagnostics;
using RaySharp.Tests.Integration.Functions;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// Lineage reconstruction on real node processes (Ray's test_reconstruction): objects whose every copy
/// died with their node are made again by their owner re-running the tasks that made them.
/// </summary>
[Collection("Cluster")]
public sealed class ReconstructionTests(ClusterFixture shared, NodeFailureFixture nodes, ITestOutputHelper output) : IClassFixture<NodeFailureFixture>
{
    private const int Size = 10 << 20;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    private void AsDriver(Action test) => ClusterDriver.Run(shared, nodes.Cluster.Address, "reconstruction", test);

    private static MultiNodeCluster.Extra Schedulable(MultiNodeCluster.Extra extra) => ClusterDriver.Schedulable(extra, s_timeout);

    private static SchedulingStrategy On(MultiNodeCluster.Extra extra) => SchedulingStrategy.NodeAffinity(extra.Node.NodeId, soft: true);

    private static void WaitReady(ObjectRef reference) => Assert.Single(Ray.Wait([reference], timeout: s_timeout, fetchLocal: false).Ready);

    [Fact]
    public void A_lost_task_result_is_made_again_and_read_byte_exact_by_a_task_on_a_new_node() => AsDriver(() =>
    {
        var doomed = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        using var made = Ray.Task(StoreFunctions.MakeBytes, Size, 21).SetSchedulingStrategy(On(doomed)).SetMaxRetries(1).Remote();
        WaitReady(made);
        MultiNodeCluster.Kill(doomed.Node);
        doomed.Dispose();
        using var fresh = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        var clock = Stopwatch.StartNew();
        var (node, checksum) = Ray.Get(Ray.Task(ChainFunctions.ChecksumHere, made)
            .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(fresh.Node.NodeId)).Remote(), s_timeout);
        output.WriteLine($"10 MB object reconstructed and read in {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(fresh.Node.NodeId, node);
        Assert.Equal(NodeFunctions.Checksum(StoreFunctions.Pattern(Size, 21)), checksum);
        Assert.Equal(StoreFunctions.Pattern(Size, 21), Ray.Get(made, s_timeout));
    });

    [Fact]
    public void A_Get_timeout_bounds_the_wait_for_a_lost_objects_re_creation_which_goes_on() => AsDriver(() =>
    {
        var marker = Path.Combine(Path.GetTempPath(), $"raysharp-rerun-{Guid.NewGuid():N}");
        try
        {
            using var doomed = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
            using var made = Ray.Task(ChainFunctions.MakeBytesSlowOnRerun, Size, 24, marker, 20_000).SetSchedulingStrategy(On(doomed)).SetMaxRetries(1).Remote();
            WaitReady(made);
            MultiNodeCluster.Kill(doomed.Node);
            var clock = Stopwatch.StartNew();
            // The re-run sleeps 20 s: a 2 s Get gives up long before (Ray's get(timeout) bounds the whole call).
            Assert.Throws<GetTimeoutException>(() => Ray.Get(made, TimeSpan.FromSeconds(2)));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the 2 s Get returned after {clock.Elapsed}");
            // Stopping the wait did not stop the re-creation.
            Assert.Equal(StoreFunctions.Pattern(Size, 24), Ray.Get(made, s_timeout));
        }
        finally
        {
            File.Delete(marker);
        }
    });

    [Fact]
    public void A_lost_result_of_a_task_without_retries_fails_with_ObjectReconstructionFailedException() => AsDriver(() =>
    {
        using var doomed = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        using var made = Ray.Task(StoreFunctions.MakeBytes, Size, 22).SetSchedulingStrategy(On(doomed)).SetMaxRetries(0).Remote();
        WaitReady(made);
        MultiNodeCluster.Kill(doomed.Node);
        var ex = Assert.Throws<ObjectReconstructionFailedException>(() => Ray.Get(made, s_timeout));
        Assert.Contains("no retries left", ex.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void A_chain_of_three_lost_objects_is_rebuilt_recursively() => AsDriver(() =>
    {
        using var doomed = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        using var a = Ray.Task(StoreFunctions.MakeBytes, Size, 23).SetSchedulingStrategy(On(doomed)).Remote();
        using var b = Ray.Task(ChainFunctions.Step, a, 1).SetSchedulingStrategy(On(doomed)).Remote();
        using var c = Ray.Task(ChainFunctions.Step, b, 2).SetSchedulingStrategy(On(doomed)).Remote();
        WaitReady(c);
        MultiNodeCluster.Kill(doomed.Node);
        var expected = ChainFunctions.Step(ChainFunctions.Step(StoreFunctions.Pattern(Size, 23), 1), 2);
        Assert.Equal(expected, Ray.Get(c, s_timeout));
    });

    [Fact]
    public void A_chain_whose_middle_refs_were_dropped_is_rebuilt_from_its_end() => AsDriver(() =>
    {
        // Ray's lineage pinning: only the last ref is held; the lineage of the ones before it is kept for it.
        using var doomed = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        var a = Ray.Task(StoreFunctions.MakeBytes, Size, 28).SetSchedulingStrategy(On(doomed)).Remote();
        var b = Ray.Task(ChainFunctions.Step, a, 1).SetSchedulingStrategy(On(doomed)).Remote();
        using var c = Ray.Task(ChainFunctions.Step, b, 2).SetSchedulingStrategy(On(doomed)).Remote();
        WaitReady(c);
        a.Dispose();
        b.Dispose();
        MultiNodeCluster.Kill(doomed.Node);
        var expected = ChainFunctions.Step(ChainFunctions.Step(StoreFunctions.Pattern(Size, 28), 1), 2);
        Assert.Equal(expected, Ray.Get(c, s_timeout));
    });

    [Fact]
    public void A_Put_object_on_a_node_that_died_is_lost() => AsDriver(() =>
    {
        // A Put has no lineage. Its owner is the process that put it, on the node that holds it, so the
        // node's death takes both: Ray's OwnerDiedError, an ObjectLostError.
        using var doomed = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, "{\"put_owner\": 1}"));
        using var holder = Ray.Actor(() => new PutHolder()).SetResource("put_owner", 1).Remote();
        var inner = Ray.Get(holder.Task(h => h.PutBytes(Size, 24)).Remote(), s_timeout)[0];
        MultiNodeCluster.Kill(doomed.Node);
        var ex = Assert.ThrowsAny<ObjectLostException>(() => Ray.Get(inner, s_timeout));
        Assert.IsType<OwnerDiedException>(ex);
    });

    [Fact]
    public void The_owner_refuses_to_re_create_a_Put_object_it_has_no_lineage_for() => AsDriver(() =>
    {
        // The owner's decision when a reader reports the copy lost (here the driver owns it, on the head).
        var worker = Runtime.CoreWorker.Require();
        using var put = Ray.Put(StoreFunctions.Pattern(Size, 26));
        Assert.Equal(StoreFunctions.Pattern(Size, 26), Ray.Get(put, s_timeout));
        worker.Memory.TryGet(put.Id, out var entry);
        var value = worker.Recovery.RecoverAsync(put.Id, entry.Ready.Result.StoreNodeId).Wait(s_timeout) ? null : "timed out";
        Assert.Null(value);
        var lost = worker.Recovery.RecoverAsync(put.Id, entry.Ready.Result.StoreNodeId).Result;
        var ex = Assert.Throws<ObjectLostException>(() => Runtime.ObjectValues.TryThrow(lost));
        Assert.Contains("Ray.Put", ex.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void When_an_owner_dies_the_copies_of_its_objects_go_from_every_node() => AsDriver(() =>
    {
        using var other = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        // The owner is pinned to the driver's node: left to the scheduler it may land on the other node
        // (a clean-clone CI run placed it there), and the test needs two distinct nodes holding copies.
        var driverNode = Ray.GetRuntimeContext().NodeId;
        using var holder = Ray.Actor(() => new PutHolder())
            .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(driverNode, soft: false)).Remote();
        var ownerNode = Ray.Get(holder.Task(h => h.NodeId()).Remote(), s_timeout);
        Assert.Equal(driverNode, ownerNode);
        Assert.NotEqual(other.Node.NodeId, ownerNode);
        var inner = Ray.Get(holder.Task(h => h.PutBytes(Size, 27)).Remote(), s_timeout)[0];
        // A task on the other node reads it: that node's store now holds a copy.
        var (node, checksum) = Ray.Get(Ray.Task(ChainFunctions.ChecksumHere, inner)
            .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(other.Node.NodeId)).Remote(), s_timeout);
        Assert.Equal(other.Node.NodeId, node);
        Assert.Equal(NodeFunctions.Checksum(StoreFunctions.Pattern(Size, 27)), checksum);
        Assert.True(Held(other.Node.NodeId, inner), "the other node holds no copy after reading it");
        Assert.True(Held(ownerNode, inner), "the owner's node holds no copy");
        var pid = Ray.Get(holder.Task(h => h.Pid()).Remote(), s_timeout);
        Process.GetProcessById(pid).Kill();
        Eventually.True(() => !Held(other.Node.NodeId, inner) && !Held(ownerNode, inner), s_timeout, "the dead owner's object to be freed on both nodes");
    });

    /// <summary>True when the node's object store lists the object (asked of that node's store itself).</summary>
    private static bool Held(string nodeId, ObjectRef reference)
    {
        var raylet = Ray.Nodes().Single(n => n.NodeId == nodeId).RayletAddress;
        var store = new Protocol.ObjectStore.ObjectStoreClient(Common.Transport.ChannelPool.Get(raylet));
        var stats = store.GetStats(new Protocol.Empty(), deadline: DateTime.UtcNow.AddSeconds(10));
        return stats.Objects.Any(o => Common.Ids.ObjectId.FromByteString(o.ObjectId).ToString() == reference.ObjectId);
    }

    [Fact]
    public void A_borrower_of_an_object_whose_owner_was_killed_gets_OwnerDiedException() => AsDriver(() =>
    {
        using var holder = Ray.Actor(() => new PutHolder()).Remote();
        var inner = Ray.Get(holder.Task(h => h.PutBytes(Size, 25)).Remote(), s_timeout)[0];
        var pid = Ray.Get(holder.Task(h => h.Pid()).Remote(), s_timeout);
        Process.GetProcessById(pid).Kill();
        var clock = Stopwatch.StartNew();
        Assert.Throws<OwnerDiedException>(() => Ray.Get(inner, s_timeout));
        output.WriteLine($"OwnerDiedException after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    });
}
