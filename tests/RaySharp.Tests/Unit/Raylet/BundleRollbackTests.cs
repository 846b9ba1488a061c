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
public sealed class BundleRollbackTests : IAsyncDisposable
{
    private readonly WorkerPool _pool;
    private readonly LeaseManager _leases;
    private readonly UniqueId _group = UniqueId.New();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(1));

    public BundleRollbackTests()
    {
        var config = RayletTesting.Config();
        var logs = new LogBroadcaster();
        _pool = new WorkerPool(config, UniqueId.New(), logs, NullLogger.Instance);
        _leases = new LeaseManager(UniqueId.New(), config.Resources, _pool, logs, new JobLaunches(config, new CodePackageCache(config.GcsEndpoint, UniqueId.New())),
            NullLogger.Instance);
        Assert.True(_leases.PrepareBundles(_group, [new BundleOnNode { Index = 0, Resources = { ["CPU"] = 1 } }]));
        _leases.CommitBundles(_group, [0]);
    }

    // A request for more than bundle 0 holds: it stays queued here.
    private Task<LeaseReply> QueueForBundle0()
    {
        var request = new LeaseRequest { FunctionName = "InBundle0" };
        request.Resources.Add(BundleResources.Demand(_group, 0, new Dictionary<string, double> { ["CPU"] = 2 }));
        return _leases.RequestAsync(request, _stop.Token);
    }

    [Fact]
    public async Task A_partial_rollback_keeps_the_groups_queued_requests_and_a_removal_fails_them()
    {
        var reply = QueueForBundle0();

        _leases.CancelBundles(_group, [1]);
        await Task.Delay(200);
        Assert.False(reply.IsCompleted, "a rollback of bundle 1 ended a request for bundle 0");

        _leases.CancelBundles(_group, []);
        var ended = await reply.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("removed", ended.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_for_a_bundle_rolled_back_here_is_handed_back_to_be_decided_again_not_failed()
    {
        var reply = QueueForBundle0();

        _leases.CancelBundles(_group, [0]);

        await Assert.ThrowsAsync<BundleMovedException>(() => reply.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Dispose();
        await _pool.StopAsync();
    }
}
