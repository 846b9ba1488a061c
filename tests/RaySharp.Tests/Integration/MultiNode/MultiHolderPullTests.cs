using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// A pull asks every node that holds the object for its windows at once: when one holder dies in the middle of the
/// transfer, its windows come from the others and the reader gets the object byte for byte.
/// </summary>
[Collection("Cluster")]
public class MultiHolderPullTests(ClusterFixture shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    // A pull window (ObjectManager.PullWindow) and six of them: the first from the primary copy, then the rest from the
    // primary and the second holder at once.
    private const int Window = 128 * ((64 << 10) - 64);
    private const int Size = 6 * Window;

    // Both holders serve a chunk every 5 ms (a window in ~0.64 s): when the second holder has given a whole window, the
    // reader still waits for others, and the second holder is killed in the middle of the pull (it takes the next
    // window as soon as it finished one).
    private static readonly Dictionary<string, string> s_slowServing = new() { ["RAYSHARP_TESTING_OBJECT_CHUNK_DELAY_MS"] = "5" };

    [Fact]
    public void A_pull_from_two_holders_gives_exact_bytes_when_one_dies_mid_transfer()
    {
        using var cluster = new MultiNodeCluster(headCpus: 1);
        var primary = cluster.Add(["--address", cluster.Address], 1, null, environment: s_slowServing);
        var second = cluster.Add(["--address", cluster.Address], 1, null, environment: s_slowServing);

        ClusterDriver.Run(shared, cluster.Address, "multi-holder-pull", () =>
        {
            var made = Ray.Task(StoreFunctions.MakeBytes, Size, 44)
                .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(primary.NodeId)).Remote();
            // A task on the second node reads the object: that node keeps a copy, and the primary's node remembers it.
            var read = Ray.Task(StoreFunctions.Length, made).SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(second.NodeId)).Remote();
            Assert.Equal(Size, Ray.Get(read, s_timeout));
            var secondRaylet = Ray.Nodes().Single(n => n.NodeId == second.NodeId).RayletAddress;
            var secondStore = new ObjectStore.ObjectStoreClient(ChannelPool.Get(secondRaylet));
            Eventually.True(() => Stats(secondStore, made).Pins == 0, s_timeout, "the second node's reader to let go of its copy");
            Assert.Equal(0, secondStore.GetStats(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10)).ServedBytes);

            // The driver's read makes the head's raylet pull from both holders.
            var reading = Task.Run(() => Ray.Get(made, s_timeout));
            Eventually.True(() => reading.IsCompleted || Stats(secondStore, made).Served >= Window, s_timeout, "the second holder to give the head a whole window");
            Assert.False(reading.IsCompleted, "the read ended before the second holder gave a whole window");
            MultiNodeCluster.Kill(second);

            Assert.True(reading.Wait(s_timeout), "the read did not finish after the second holder died");
            Assert.True(StoreFunctions.Pattern(Size, 44).AsSpan().SequenceEqual(reading.Result), "the pulled array differs from what the task made");
            // The head's raylet saw the holder fail in the middle of the pull, and finished the pull from the primary.
            Eventually.True(() => MultiNodeCluster.RayletLog(cluster.Nodes[0].Process.Id).Contains($"from node {second.NodeId} failed", StringComparison.Ordinal), s_timeout,
                "the head's raylet to log the second holder's failure");
        });
    }

    /// <summary>Readers holding the object in that node's store now (-1 when it is not there), and the bytes the node has served to other nodes.</summary>
    private static (int Pins, long Served) Stats(ObjectStore.ObjectStoreClient store, ObjectRef made)
    {
        var stats = store.GetStats(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10));
        var id = made.Id.ToByteString();
        return (stats.Objects.FirstOrDefault(o => o.ObjectId == id)?.Pins ?? -1, stats.ServedBytes);
    }
}
