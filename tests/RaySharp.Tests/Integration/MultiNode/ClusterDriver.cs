using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>What the multi-node tests share: running as a driver of a node cluster, and waiting until the head schedules onto a new node.</summary>
internal static class ClusterDriver
{
    /// <summary>Runs a test as a driver of the cluster at <paramref name="address"/>; the shared local cluster comes back after.</summary>
    public static void Run(ClusterFixture shared, string address, string @namespace, Action test, Action? cleanup = null)
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        Ray.Init(new RayConfig { Address = address, Namespace = @namespace });
        try
        {
            test();
        }
        finally
        {
            cleanup?.Invoke();
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }

    /// <summary>
    /// Waits until the head's scheduler knows a node that just joined (it learns of nodes at its next view
    /// refresh; a soft affinity to a node it does not know yet runs elsewhere).
    /// </summary>
    public static MultiNodeCluster.Extra Schedulable(MultiNodeCluster.Extra extra, TimeSpan timeout)
    {
        Eventually.True(() => Ray.Get(Ray.Task(NodeFunctions.NodeId).SetResource("CPU", 0.01)
            .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(extra.Node.NodeId, soft: true)).Remote(), timeout) == extra.Node.NodeId,
            timeout, "the head to schedule onto the new node");
        return extra;
    }
}
