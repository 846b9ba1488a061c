using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// Spare ("warm") workers on a `raysharp start` node, with real node and worker processes. A driver's lease requests
/// outlive its job: its process goes on after Ray.Shutdown, and its calls end only when it closes its channels, after
/// the GCS has finished the job on every node. The job's end frees the resources such a request waits for, and with a
/// spare idle the raylet used to grant it at once, inside the job's end: a lease nobody would return, holding its CPU for
/// good (MultiNodeTests' 1 GiB read then waited forever for the head's CPU). The raylet now drops the requests of an
/// owner that is gone.
/// </summary>
[Collection("Cluster")]
public sealed class SpareWorkerLeaseTests(ClusterFixture shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void A_request_left_queued_by_a_driver_whose_job_ended_is_not_granted_to_an_idle_spare_and_holds_no_CPU()
    {
        using var cluster = new MultiNodeCluster(headCpus: 1, headArguments: ["--warm-workers", "1"]);
        var head = cluster.Nodes[0];
        AsyncUnaryCall<LeaseReply>? stale = null;
        NodeManager.NodeManagerClient? raylet = null;
        ClusterDriver.Run(shared, cluster.Address, "spares", () =>
        {
            var address = Ray.Nodes().Single(n => n.NodeId == head.NodeId).RayletAddress;
            // A channel of its own (the pool forgets it, Ray.Shutdown does not close it; it is disposed a minute later):
            // the request below lives on after the job, as a driver's do.
            var channel = ChannelPool.Get(address);
            ChannelPool.Forget(address);
            raylet = new NodeManager.NodeManagerClient(channel);

            // A task holds the head's only CPU for the rest of the job; its worker's start made the pool start a spare.
            _ = Ray.Task(NodeFunctions.SlowNodeId, 600_000).Remote();
            var client = raylet;
            Eventually.True(() => client.ListWorkers(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10)).Workers.Any(w => w.IsAlive && w.Idle),
                s_timeout, "a spare worker to idle on the head");

            // The driver's request for another worker waits for that CPU.
            var driver = Runtime.CoreWorker.Require();
            var request = new LeaseRequest { JobId = driver.JobId.ToByteString(), OwnerWorkerId = driver.WorkerId.ToByteString(), FunctionName = "NodeFunctions.NodeId" };
            request.Resources.Add("CPU", 1);
            stale = raylet.RequestWorkerLeaseAsync(request);
            var gcs = new Protocol.Gcs.GcsClient(ChannelPool.Get(cluster.Address));
            Eventually.True(() => gcs.GetAllNodes(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10)).Nodes
                    .Single(n => Common.Ids.UniqueId.FromByteString(n.NodeId).ToString() == head.NodeId).PendingDemands.Any(d => d.Contains("CPU: 1", StringComparison.Ordinal)),
                s_timeout, "the request to wait on the head");
            Assert.False(stale.ResponseAsync.IsCompleted, "the request was answered while the head's CPU was taken");
        });

        // The job ended (its task's worker was stopped, freeing the CPU) with that request queued: it must not get the spare.
        LeaseReply? granted = null;
        try
        {
            granted = Eventually.Result(stale!.ResponseAsync, s_timeout, "the raylet to answer the request of the driver that left");
        }
        catch (AggregateException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Cancelled })
        {
            // Dropped: its owner is gone.
        }
        Assert.True(granted is null || granted.LeaseId.IsEmpty,
            $"the raylet leased worker {granted?.WorkerPid} to a request whose driver's job had ended: nobody returns that lease");
        // And the head's CPU is free again: nothing holds it.
        Eventually.True(() => raylet!.GetResources(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10)).Available.GetValueOrDefault("CPU") == 1,
            s_timeout, "the head's CPU to be free once the job that held it ended");
        stale!.Dispose();

        // The next driver's task runs on that CPU.
        ClusterDriver.Run(shared, cluster.Address, "spares", () =>
            Assert.Equal(head.NodeId, Ray.Get(Ray.Task(NodeFunctions.NodeId).Remote(), s_timeout)));
    }
}
