using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// Ray's <c>ray.wait(fetch_local=...)</c> on two CLI nodes: by default an object made on the other node counts as
/// ready only once the driver's node holds a copy (the wait pulls it); with <c>fetchLocal: false</c> it is ready
/// wherever it is and nothing moves.
/// </summary>
[Collection("Cluster")]
public class WaitFetchLocalTests(ClusterFixture shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    private const int Size = 4 << 20;

    // The other node serves a chunk every 20 ms, so a pull of the object takes over a second however idle the machine:
    // a short wait with fetchLocal ends before the copy is here.
    private static readonly Dictionary<string, string> s_slowServing = new() { ["RAYSHARP_TESTING_OBJECT_CHUNK_DELAY_MS"] = "20" };

    [Fact]
    public void Wait_counts_a_remote_object_ready_once_it_is_pulled_here_and_without_fetchLocal_pulls_nothing()
    {
        using var cluster = new MultiNodeCluster(headCpus: 1);
        var other = cluster.Add(["--address", cluster.Address], 1, null, environment: s_slowServing);

        ClusterDriver.Run(shared, cluster.Address, "wait-fetch-local", () =>
        {
            var onOther = SchedulingStrategy.NodeAffinity(other.NodeId);
            var made = Ray.Task(StoreFunctions.MakeBytes, Size, 31).SetSchedulingStrategy(onOther).Remote();
            var here = Ray.Nodes().Single(n => n.NodeId == Ray.GetRuntimeContext().NodeId);
            var store = new ObjectStore.ObjectStoreClient(ChannelPool.Get(here.RayletAddress));

            // Without fetchLocal: ready as soon as the task finished on the other node, and this node pulled nothing.
            var anywhere = Ray.Wait([made], 1, s_timeout, fetchLocal: false);
            Assert.Equal([made], anywhere.Ready);
            Assert.Equal(0, Stats(store).PulledBytes);
            Assert.False(Holds(store, made), "a Wait without fetchLocal copied the object here");

            // With it (the default): not ready while the copy is on its way, then ready with the copy in this node's store.
            var early = Ray.Wait([made], 1, TimeSpan.FromMilliseconds(100));
            Assert.Empty(early.Ready);
            Assert.Equal([made], early.NotReady);
            var local = Ray.Wait([made], 1, s_timeout);
            Assert.Equal([made], local.Ready);
            Assert.True(Holds(store, made), "the object is not in this node's store after a Wait with fetchLocal");
            var pulled = Stats(store).PulledBytes;
            Assert.True(pulled >= Size, $"this node pulled {pulled} bytes, less than the object's {Size}");

            // Get reads that copy: nothing more moves, and the bytes are exact.
            Assert.True(StoreFunctions.Pattern(Size, 31).AsSpan().SequenceEqual(Ray.Get(made, s_timeout)), "the array read differs from what the task made");
            Assert.Equal(pulled, Stats(store).PulledBytes);

            // Several refs: a ref already here counts at once, the others once their copies arrive, in input order.
            var second = Ray.Task(StoreFunctions.MakeBytes, Size, 32).SetSchedulingStrategy(onOther).Remote();
            var third = Ray.Task(StoreFunctions.MakeBytes, Size, 33).SetSchedulingStrategy(onOther).Remote();
            Assert.Equal(2, Ray.Wait([second, third], 2, s_timeout, fetchLocal: false).Ready.Count);
            var one = Ray.Wait([third, made, second], 1, TimeSpan.FromMilliseconds(100));
            Assert.Equal([made], one.Ready);
            Assert.Equal([third, second], one.NotReady);
            var all = Ray.Wait([third, made, second], 3, s_timeout);
            Assert.Equal([third, made, second], all.Ready);
            Assert.True(Holds(store, second) && Holds(store, third), "the other objects are not in this node's store after a Wait for all of them");
        });
    }

    private static StoreStats Stats(ObjectStore.ObjectStoreClient store) => store.GetStats(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10));

    private static bool Holds(ObjectStore.ObjectStoreClient store, ObjectRef made)
    {
        var id = made.Id.ToByteString();
        return Stats(store).Objects.Any(o => o.ObjectId == id);
    }
}
