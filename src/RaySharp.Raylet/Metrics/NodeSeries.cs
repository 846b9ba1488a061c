using Grpc.Core;
using Prometheus;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Raylet.Memory;
using RaySharp.Raylet.Store;

namespace RaySharp.Raylet.Metrics;

/// <summary>
/// The series the raylet reads from its own components when Prometheus scrapes (a callback of the registry):
/// workers by state, scheduler queues, the object store, the node's CPU and memory, and the actors placed on this
/// node by state (from the GCS's actor table; the head also counts those placed nowhere yet or any more, so the
/// sum over every node's /metrics is the cluster's count).
/// </summary>
internal sealed class NodeSeries
{
    private static readonly string[] s_actorStates = [.. Enum.GetValues<ActorState>().Select(ActorStateName)];

    private readonly UniqueId _nodeId;
    private readonly bool _isHead;
    private readonly WorkerPool _pool;
    private readonly LeaseManager _leases;
    private readonly ClusterScheduler _scheduler;
    private readonly PlasmaStore _store;
    private readonly Gcs.GcsClient _gcs;
    private readonly NodeCpuReader _cpu = new();
    private readonly NodeMemoryReader _memory = new();
    private readonly Gauge _workers, _queue, _storeBytes, _storeObjects, _cpuPercent, _cpuCount, _memUsed, _memTotal, _actors;
    private readonly Gauge _spilledBytes, _restoredBytes, _spilledObjects, _restoredObjects;

    public NodeSeries(NodeMetrics metrics, UniqueId nodeId, bool isHead, string gcsEndpoint, WorkerPool pool, LeaseManager leases, ClusterScheduler scheduler, PlasmaStore store)
    {
        (_nodeId, _isHead, _pool, _leases, _scheduler, _store) = (nodeId, isHead, pool, leases, scheduler, store);
        _gcs = new Gcs.GcsClient(ChannelPool.Get(gcsEndpoint));
        var f = metrics.Factory;
        _workers = f.CreateGauge("raysharp_workers", "Worker processes of this node by state: STARTING (not registered yet), IDLE (in the pool), LEASED.", ["State"]);
        _queue = f.CreateGauge("raysharp_scheduler_queue_length",
            "Lease requests waiting: PENDING here for resources or a worker, INFEASIBLE for a node that can run them.", ["Queue"]);
        _storeBytes = f.CreateGauge("raysharp_object_store_bytes", "The node's object store: USED bytes in memory and its CAPACITY.", ["Kind"]);
        _storeObjects = f.CreateGauge("raysharp_object_store_objects", "Objects in the node's object store's memory.");
        // Gauges that only grow, set from the store's own totals at each scrape (Prometheus reads them as counters).
        _spilledBytes = f.CreateGauge("raysharp_object_store_spilled_bytes_total", "Bytes the node's object store spilled to disk since it started.");
        _restoredBytes = f.CreateGauge("raysharp_object_store_restored_bytes_total", "Bytes the node's object store restored from disk since it started.");
        _spilledObjects = f.CreateGauge("raysharp_object_store_spilled_objects_total", "Objects the node's object store spilled to disk since it started.");
        _restoredObjects = f.CreateGauge("raysharp_object_store_restored_objects_total", "Objects the node's object store restored from disk since it started.");
        _cpuPercent = f.CreateGauge("raysharp_node_cpu_utilization", "The node's CPU use since the previous scrape, in percent of all its cores.");
        _cpuCount = f.CreateGauge("raysharp_node_cpu_count", "Logical CPUs of the machine.");
        _memUsed = f.CreateGauge("raysharp_node_mem_used_bytes", "Memory in use on the node (its cgroup's when limited, else the machine's).");
        _memTotal = f.CreateGauge("raysharp_node_mem_total_bytes", "Memory of the node (its cgroup's limit when lower than the machine's).");
        _actors = f.CreateGauge("raysharp_actors", "Actors placed on this node by state (the head also counts those on no node).", ["State"]);
        metrics.Registry.AddBeforeCollectCallback(ReadAsync);
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        var (starting, idle, leased) = _pool.CountByState();
        _workers.WithLabels("STARTING").Set(starting);
        _workers.WithLabels("IDLE").Set(idle);
        _workers.WithLabels("LEASED").Set(leased);
        _queue.WithLabels("PENDING").Set(_leases.PendingCount);
        _queue.WithLabels("INFEASIBLE").Set(_scheduler.WaitingCount);
        var usage = _store.Usage();
        _storeBytes.WithLabels("USED").Set(usage.Used);
        _storeBytes.WithLabels("CAPACITY").Set(usage.Capacity);
        _spilledBytes.Set(usage.SpilledBytes);
        _restoredBytes.Set(usage.RestoredBytes);
        _spilledObjects.Set(usage.SpilledObjects);
        _restoredObjects.Set(usage.RestoredObjects);
        _storeObjects.Set(usage.Objects);
        if (_cpu.ReadPercent() is { } percent)
        {
            _cpuPercent.Set(percent);
        }
        _cpuCount.Set(Environment.ProcessorCount);
        if (_memory.Read() is { } memory)
        {
            _memUsed.Set(memory.UsedBytes);
            _memTotal.Set(memory.TotalBytes);
        }
        await ReadActorsAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadActorsAsync(CancellationToken cancellationToken)
    {
        ActorList list;
        try
        {
            list = await _gcs.ListActorsAsync(new Empty(), deadline: RpcDeadlines.Control(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The GCS is away: the actor counts keep their last values rather than failing the whole scrape.
            return;
        }
        var counts = s_actorStates.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        var here = _nodeId.ToByteString();
        foreach (var actor in list.Actors)
        {
            var node = actor.Address?.NodeId;
            if ((node is { IsEmpty: false } && node.Equals(here)) || (_isHead && (node is null || node.IsEmpty)))
            {
                counts[ActorStateName(actor.State)]++;
            }
        }
        foreach (var (state, count) in counts)
        {
            _actors.WithLabels(state).Set(count);
        }
    }

    private static string ActorStateName(ActorState state) => state switch
    {
        ActorState.Pending => "PENDING_CREATION",
        ActorState.Alive => "ALIVE",
        ActorState.Restarting => "RESTARTING",
        ActorState.Dead => "DEAD",
        _ => state.ToString().ToUpperInvariant(),
    };
}
