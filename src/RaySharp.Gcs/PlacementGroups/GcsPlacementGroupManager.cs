using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using Google.Protobuf;
using RaySharp.Gcs.Actors;
using RaySharp.Gcs.Storage;
using RaySharp.Protocol;

namespace RaySharp.Gcs.PlacementGroups;

/// <summary>
/// Places placement groups (Ray's GcsPlacementGroupManager and scheduler). Pending groups are placed first come,
/// first served by one loop: it plans every bundle's node (<see cref="BundlePlanner"/>), prepares the bundles on
/// every node of the plan, and commits them only when all nodes prepared; any refusal rolls the prepared ones
/// back, so a group is never half placed. A group that cannot be placed stays pending (and says why) until
/// nodes join or free up. Removing a group kills its actors and gives its bundles back; a node's death puts
/// the group's bundles there up for placement again; a job's end removes its groups that are not detached.
/// Removed groups are kept for inspection up to <see cref="GcsOptions.MaxDeadActors"/> (the same bound as dead actors).
/// </summary>
internal sealed partial class GcsPlacementGroupManager : IAsyncDisposable
{
    private static readonly TimeSpan s_retry = TimeSpan.FromMilliseconds(250);

    private readonly GcsTables _tables;
    private readonly GcsActorManager _actors;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<UniqueId, PlacementGroupRecord> _groups = new();
    private readonly Lock _namesLock = new();
    private readonly Dictionary<(string Namespace, string Name), UniqueId> _named = [];
    private readonly DeadEntries<UniqueId> _removed;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _order;

    public GcsPlacementGroupManager(GcsTables tables, GcsActorManager actors, GcsOptions options, ILogger<GcsPlacementGroupManager> logger)
    {
        _tables = tables;
        _actors = actors;
        _logger = logger;
        _removed = new DeadEntries<UniqueId>(options.MaxDeadActors);
        tables.Watchers.Changed += OnNodeChanged;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Registers a group for placement; the error says why not (a bad spec, a name in use).</summary>
    public string? Create(PlacementGroupSpec spec)
    {
        if (PlacementGroupSpecValidation.Problem(spec) is { } problem)
        {
            return problem;
        }
        var id = UniqueId.FromByteString(spec.PlacementGroupId);
        lock (_namesLock)
        {
            if (_groups.ContainsKey(id))
            {
                return $"A placement group with id {id} exists already.";
            }
            if (spec.Name.Length > 0)
            {
                if (_named.ContainsKey((spec.Namespace, spec.Name)))
                {
                    return $"A placement group named '{spec.Name}' exists already in namespace '{spec.Namespace}'.";
                }
                _named[(spec.Namespace, spec.Name)] = id;
            }
            var record = new PlacementGroupRecord(spec, Interlocked.Increment(ref _order));
            _groups[id] = record;
            Save(record.Entry);
        }
        PlacementGroupLog.Created(_logger, id.ToString(), spec.Bundles.Count, spec.Strategy.ToString());
        _wake.Release();
        return null;
    }

    /// <summary>The group by id, or by name in a namespace (live groups only); null when none.</summary>
    public PlacementGroupTableEntry? Find(PlacementGroupRequest request)
    {
        if (request.PlacementGroupId.Length == 16)
        {
            return _groups.TryGetValue(UniqueId.FromByteString(request.PlacementGroupId), out var record) ? record.Entry : null;
        }
        lock (_namesLock)
        {
            return request.Name.Length > 0 && _named.TryGetValue((request.Namespace, request.Name), out var id) && _groups.TryGetValue(id, out var named)
                ? named.Entry : null;
        }
    }

    public List<PlacementGroupTableEntry> List() => _groups.Values.OrderBy(r => r.Order).Select(r => r.Entry).ToList();

    /// <summary>Returns once the group's version is past <paramref name="knownVersion"/> (or at once when it is already); null for an unknown group.</summary>
    public async Task<PlacementGroupTableEntry?> WaitUpdateAsync(UniqueId id, long knownVersion, CancellationToken cancellationToken)
    {
        while (_groups.TryGetValue(id, out var record))
        {
            Task changed;
            lock (record.Lock)
            {
                if (record.Entry.Version > knownVersion)
                {
                    return record.Entry;
                }
                changed = record.Changed.Task;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>Removes a group: its actors are killed, its queued tasks fail, its bundles go back to their nodes.</summary>
    public async Task RemoveAsync(UniqueId id)
    {
        if (!_groups.TryGetValue(id, out var record))
        {
            return;
        }
        List<UniqueId> nodes;
        lock (record.Lock)
        {
            if (record.Entry.State == PlacementGroupState.PlacementGroupRemoved)
            {
                return;
            }
            nodes = record.Entry.BundleNodes.Where(n => !n.IsEmpty).Select(UniqueId.FromByteString).Distinct().ToList();
            Publish(record, e =>
            {
                e.State = PlacementGroupState.PlacementGroupRemoved;
                e.BundleNodes.Clear();
                e.PendingReason = "";
            });
        }
        lock (_namesLock)
        {
            if (record.Spec.Name.Length > 0 && _named.TryGetValue((record.Spec.Namespace, record.Spec.Name), out var named) && named == id)
            {
                _named.Remove((record.Spec.Namespace, record.Spec.Name));
            }
        }
        PlacementGroupLog.Removed(_logger, id.ToString());
        // Actors first, marked never to restart: the bundles' return then kills their workers without a restart.
        await _actors.KillPlacementGroupActorsAsync(record.Spec.PlacementGroupId).ConfigureAwait(false);
        await Task.WhenAll(nodes.Select(n => CancelOnNodeAsync(n, id, []))).ConfigureAwait(false);
        foreach (var forget in _removed.Add(id))
        {
            _groups.TryRemove(forget, out _);
            _ = _tables.Writes.Delete(GcsTableNames.PlacementGroups, forget.ToString());
        }
    }

    private void Save(PlacementGroupTableEntry entry)
    {
        if (_tables.Writes.Persistent)
        {
            _ = _tables.Writes.Put(GcsTableNames.PlacementGroups, UniqueId.FromByteString(entry.Spec.PlacementGroupId).ToString(), entry.ToByteArray());
        }
    }

    /// <summary>
    /// A restarted GCS takes its groups back from storage, in their creation order: placed ones keep their bundles
    /// (the raylets still hold them), waiting ones are placed again, removed ones are kept for inspection.
    /// </summary>
    internal async Task<int> LoadAsync(IGcsStorage storage, CancellationToken cancellationToken)
    {
        if (!_tables.Writes.Persistent)
        {
            return 0;
        }
        var all = await storage.GetAllAsync(GcsTableNames.PlacementGroups, cancellationToken).ConfigureAwait(false);
        var entries = all.Values.Select(b => PlacementGroupTableEntry.Parser.ParseFrom(b)).OrderBy(e => e.CreatedOrder).ToList();
        lock (_namesLock)
        {
            foreach (var entry in entries)
            {
                var id = UniqueId.FromByteString(entry.Spec.PlacementGroupId);
                _order = Math.Max(_order, entry.CreatedOrder);
                _groups[id] = new PlacementGroupRecord(entry.Spec, entry.CreatedOrder) { Entry = entry };
                if (entry.State == PlacementGroupState.PlacementGroupRemoved)
                {
                    _removed.Add(id);
                }
                else if (entry.Spec.Name.Length > 0)
                {
                    _named[(entry.Spec.Namespace, entry.Spec.Name)] = id;
                }
            }
        }
        _wake.Release();
        return entries.Count;
    }

    /// <summary>A job ended: its groups that are not detached are removed (Ray's placement group lifetime).</summary>
    public Task OnJobFinishedAsync(UniqueId job) =>
        Task.WhenAll(_groups.Values
            .Where(r => !r.Spec.Detached && UniqueId.FromByteString(r.Spec.JobId) == job && r.Entry.State != PlacementGroupState.PlacementGroupRemoved)
            .Select(r => RemoveAsync(UniqueId.FromByteString(r.Spec.PlacementGroupId))));

    // A node died: the bundles it held are placed again (the group's other bundles stay where they are).
    private void OnNodeChanged(NodeInfo node)
    {
        if (node.Alive)
        {
            _wake.Release();
            return;
        }
        foreach (var record in _groups.Values)
        {
            lock (record.Lock)
            {
                if (record.Entry.State is PlacementGroupState.PlacementGroupRemoved || !record.Entry.BundleNodes.Contains(node.NodeId))
                {
                    continue;
                }
                Publish(record, e =>
                {
                    for (var i = 0; i < e.BundleNodes.Count; i++)
                    {
                        if (e.BundleNodes[i] == node.NodeId)
                        {
                            e.BundleNodes[i] = Google.Protobuf.ByteString.Empty;
                        }
                    }
                    e.State = PlacementGroupState.PlacementGroupRescheduling;
                });
            }
            PlacementGroupLog.Rescheduling(_logger, UniqueId.FromByteString(record.Spec.PlacementGroupId).ToString(), UniqueId.FromByteString(node.NodeId).ToString());
        }
        _wake.Release();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(s_retry, _stop.Token).ConfigureAwait(false);
                var waiting = _groups.Values
                    .Where(r => r.Entry.State is PlacementGroupState.PlacementGroupPending or PlacementGroupState.PlacementGroupRescheduling)
                    .OrderBy(r => r.Order).ToList();
                foreach (var record in waiting)
                {
                    await TryPlaceAsync(record).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                PlacementGroupLog.LoopFailed(_logger, ex.Message);
            }
        }
    }
}
