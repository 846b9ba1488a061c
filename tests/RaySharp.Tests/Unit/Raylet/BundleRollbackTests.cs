using Microsoft.Extensions.Logging.Abstractions;
using RaySharp.Common.Ids;
using RaySharp.Common.PlacementGroups;
using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// Giving back some of a group's bundles on a node (a prepare or commit rolled back) leaves the group's other work
/// there alone; only removing the whole group fails what waits for it (Ray's rollback returns just what it reserved).
/// </summary>
public class BundleRollbackTests
{
    [Fact]
    public async Task A_partial_rollback_keeps_the_groups_queued_requests_and_a_removal_fails_them()
    {
        var config = RayletTesting.Config();
        var logs = new LogBroadcaster();
        var pool = new WorkerPool(config, UniqueId.New(), logs, NullLogger.Instance);
        try
        {
            var leases = new LeaseManager(UniqueId.New(), config.Resources, pool, logs, new JobLaunches(config, new CodePackageCache(config.GcsEndpoint, UniqueId.New())),
                NullLogger.Instance);
            var group = UniqueId.New();
            Assert.True(leases.PrepareBundles(group, [new BundleOnNode { Index = 0, Resources = { ["CPU"] = 1 } }]));
            leases.CommitBundles(group, [0]);
            // More than bundle 0 holds: it stays queued here.
            var request = new LeaseRequest { FunctionName = "InBundle0" };
            request.Resources.Add(BundleResources.Demand(group, 0, new Dictionary<string, double> { ["CPU"] = 2 }));
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var reply = leases.RequestAsync(request, stop.Token);

            leases.CancelBundles(group, [1]);
            await Task.Delay(200);
            Assert.False(reply.IsCompleted, "a rollback of bundle 1 ended a request for bundle 0");

            leases.CancelBundles(group, []);
            var ended = await reply.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("removed", ended.Error, StringComparison.Ordinal);
        }
        finally
        {
            await pool.StopAsync();
        }
    }

    [Fact]
    public async Task A_request_for_a_bundle_rolled_back_here_is_handed_back_to_be_decided_again_not_failed()
    {
        var config = RayletTesting.Config();
        var logs = new LogBroadcaster();
        var pool = new WorkerPool(config, UniqueId.New(), logs, NullLogger.Instance);
        try
        {
            var leases = new LeaseManager(UniqueId.New(), config.Resources, pool, logs, new JobLaunches(config, new CodePackageCache(config.GcsEndpoint, UniqueId.New())),
                NullLogger.Instance);
            var group = UniqueId.New();
            Assert.True(leases.PrepareBundles(group, [new BundleOnNode { Index = 0, Resources = { ["CPU"] = 1 } }]));
            leases.CommitBundles(group, [0]);
            var request = new LeaseRequest { FunctionName = "InBundle0" };
            request.Resources.Add(BundleResources.Demand(group, 0, new Dictionary<string, double> { ["CPU"] = 2 }));
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var reply = leases.RequestAsync(request, stop.Token);

            leases.CancelBundles(group, [0]);

            await Assert.ThrowsAsync<BundleMovedException>(() => reply.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            await pool.StopAsync();
        }
    }
}
