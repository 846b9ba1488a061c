using System.Globalization;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// `raysharp start --object-manager-port` (Ray's flag): the node listens for other nodes' pulls on that port, and an
/// object made on it reaches a driver on the head byte for byte, pulled through it.
/// </summary>
[Collection("Cluster")]
public class ObjectManagerPortTests(ClusterFixture shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void A_node_listens_on_its_object_manager_port_and_the_head_pulls_its_objects_from_there()
    {
        var port = MultiNodeCluster.FreePort();
        using var cluster = new MultiNodeCluster(headCpus: 1);
        using var other = new MultiNodeCluster.Extra(cluster, 1, null, ["--object-manager-port", port.ToString(CultureInfo.InvariantCulture)]);
        Assert.Contains(port, TcpSockets.ListeningPorts(other.Node.Process.Id));

        ClusterDriver.Run(shared, cluster.Address, "object-manager-port", () =>
        {
            // Returned by a task on the other node, the array's only copy is in that node's store: the head's raylet
            // pulls it from the node's object manager port when this driver reads it.
            var made = Ray.Task(StoreFunctions.MakeBytes, 24 << 20, 21)
                .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(other.Node.NodeId)).Remote();
            var read = Ray.Get(made, s_timeout);
            Assert.True(StoreFunctions.Pattern(24 << 20, 21).AsSpan().SequenceEqual(read), "the pulled array differs from what the task made");
        });
    }
}
