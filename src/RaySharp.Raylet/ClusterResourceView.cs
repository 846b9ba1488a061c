using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// This raylet's picture of the cluster (Ray's cluster resource view): every 250 ms it reports its own
/// free resources and waiting demand to the GCS — its heartbeat — and reads back every node's, so
/// lease requests can be spilled to nodes that have room.
/// </summary>
public sealed class ClusterResourceView : IAsyncDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    private readonly Gcs.GcsClient _gcs;
    private readonly UniqueId _nodeId;
    private readonly Func<(Dictionary<string, double> Total, Dictionary<string, double> Available, List<string> Pending)> _local;
    private readonly Func<NodeStats?> _stats;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="gcsEndpoint">The GCS.</param>
    /// <param name="nodeId">This node.</param>
    /// <param name="local">This node's resources now.</param>
    /// <param name="stats">What the node measured of its machine when a reading is due (null otherwise): sent along for the dashboard.</param>
    public ClusterResourceView(string gcsEndpoint, UniqueId nodeId, Func<(Dictionary<string, double> Total, Dictionary<string, double> Available, List<string> Pending)> local,
        Func<NodeStats?>? stats = null)
    {
        _gcs = new Gcs.GcsClient(ChannelPool.Get(gcsEndpoint));
        _nodeId = nodeId;
        _local = local;
        _stats = stats ?? (() => null);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Hears every heartbeat's answer (null when the GCS did not answer): membership acts on it.</summary>
    public Action<NodeStatus?>? Reported { get; set; }

    /// <summary>
    /// Hears of worker processes that died anywhere in the cluster (Ray's worker failure pubsub, carried on
    /// the heartbeat): the copies of the objects they owned are freed on this node too.
    /// </summary>
    public Action<UniqueId>? WorkerDied { get; set; }

    private readonly System.Collections.Concurrent.ConcurrentQueue<Google.Protobuf.ByteString> _deadWorkers = new();
    private readonly List<Google.Protobuf.ByteString> _unsent = [];
    private long _knownFailures;

    /// <summary>A worker process of this node exited: the next report tells the cluster.</summary>
    public void ReportWorkerDeath(UniqueId worker) => _deadWorkers.Enqueue(worker.ToByteString());

    private readonly System.Collections.Concurrent.ConcurrentQueue<ClusterEvent> _events = new();
    private readonly List<ClusterEvent> _unsentEvents = [];

    /// <summary>Something people watching the cluster should see (the memory monitor killed a worker): the next report carries it.</summary>
    public void ReportEvent(ClusterEvent e) => _events.Enqueue(e);

    /// <summary>The live nodes as last read from the GCS.</summary>
    public IReadOnlyList<NodeInfo> Nodes { get; private set; } = [];

    /// <summary>Completes at the next refresh of <see cref="Nodes"/>.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    public NodeInfo? Find(UniqueId nodeId) => Nodes.FirstOrDefault(n => UniqueId.FromByteString(n.NodeId) == nodeId);

    /// <summary>Reports and refreshes now (also called when the local picture changed a lot, e.g. a new lease).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var (total, available, pending) = _local();
        var report = new ResourceReport { NodeId = _nodeId.ToByteString() };
        report.Total.Add(total);
        report.Available.Add(available);
        report.PendingDemands.AddRange(pending);
        lock (_unsent)
        {
            while (_unsent.Count < 1000 && _deadWorkers.TryDequeue(out var dead))
            {
                _unsent.Add(dead);
            }
            report.DeadWorkers.AddRange(_unsent);
            report.KnownWorkerFailures = _knownFailures;
            while (_unsentEvents.Count < 100 && _events.TryDequeue(out var e))
            {
                _unsentEvents.Add(e);
            }
            report.Events.AddRange(_unsentEvents);
        }
        if (_stats() is { } stats)
        {
            report.Stats = stats;
        }
        var deadline = DateTime.UtcNow.AddSeconds(2);
        var reply = await _gcs.ReportResourcesAsync(report, deadline: deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (reply.Status == NodeStatus.NodeAlive)
        {
            lock (_unsent)
            {
                // Kept until the GCS took them (it does only from a node it knows alive), so they are sent again otherwise.
                _unsent.RemoveRange(0, Math.Min(_unsent.Count, report.DeadWorkers.Count));
                _unsentEvents.RemoveRange(0, Math.Min(_unsentEvents.Count, report.Events.Count));
                _knownFailures = reply.WorkerFailures;
            }
        }
        foreach (var dead in reply.DeadWorkers)
        {
            WorkerDied?.Invoke(UniqueId.FromByteString(dead));
        }
        Reported?.Invoke(reply.Status);
        var nodes = await _gcs.GetAllNodesAsync(new Empty(), deadline: deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        Nodes = nodes.Nodes.Where(n => n.Alive).ToList();
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>True when the GCS says the placement group is removed or unknown (its waiting requests fail); false when it cannot tell.</summary>
    public async Task<bool> PlacementGroupGoneAsync(Google.Protobuf.ByteString group, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await _gcs.GetPlacementGroupAsync(new PlacementGroupRequest { PlacementGroupId = group },
                deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
            return entry.State == PlacementGroupState.PlacementGroupRemoved;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(_stop.Token).ConfigureAwait(false);
                await Task.Delay(Period, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RpcException)
            {
                // The GCS is unreachable for now: keep the last picture and try again.
                Reported?.Invoke(null);
                await Task.Delay(Period).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
