using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.PlacementGroups;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Placement-group bundles on this node (Ray's placement group resource manager), two-phase so that a group
/// is never half placed: prepare takes a bundle's resources from the free ones, commit adds the group's own
/// resource names (<see cref="BundleResources"/>) that its tasks ask for, cancel undoes either.
/// </summary>
public sealed partial class LeaseManager
{
    private readonly Dictionary<(UniqueId Group, int Index), ResourceSet> _prepared = [];
    private readonly Dictionary<(UniqueId Group, int Index), (ResourceSet Taken, ResourceSet Added)> _committed = [];
    // The node's GPU ids a bundle holds (taken at prepare), and once committed the pool its tasks take ids from.
    private readonly Dictionary<(UniqueId Group, int Index), List<(int Id, long Units)>> _bundleGpuIds = [];
    private readonly Dictionary<(UniqueId Group, int Index), GpuIdPool> _bundleGpus = [];

    /// <summary>GPU ids for a demand, from the node's pool or from the bundle it asks for; null when they are not free. Under the lock.</summary>
    private (GpuIdPool Pool, List<(int, long)> Ids)? TakeGpus(ResourceSet demand)
    {
        var anyBundleGroup = (UniqueId?)null;
        foreach (var (name, units) in demand.Units)
        {
            if (units <= 0 || !name.StartsWith("GPU_group_", StringComparison.Ordinal)
                || !BundleResources.TryParse(name, out var resource, out var group, out var index) || resource != "GPU")
            {
                continue;
            }
            if (index >= 0)
            {
                return _bundleGpus.TryGetValue((group, index), out var pool) && pool.TryTake(units) is { } ids ? (pool, ids) : null;
            }
            anyBundleGroup = group;
        }
        if (anyBundleGroup is { } g)
        {
            // Any bundle of the group on this node that has the ids free.
            var units = demand.Get(BundleResources.Name("GPU", g, -1));
            foreach (var (key, pool) in _bundleGpus.Where(b => b.Key.Group == g).OrderBy(b => b.Key.Index))
            {
                if (pool.TryTake(units) is { } ids)
                {
                    return (pool, ids);
                }
            }
            return null;
        }
        return _gpus.TryTake(demand.Get("GPU")) is { } own ? (_gpus, own) : null;
    }

    /// <summary>Takes every bundle's resources, or none of them when they do not all fit now.</summary>
    public bool PrepareBundles(UniqueId group, IReadOnlyList<BundleOnNode> bundles)
    {
        lock (_lock)
        {
            var sum = new ResourceSet();
            var fresh = new List<(int Index, ResourceSet Resources)>();
            foreach (var bundle in bundles)
            {
                var key = (group, bundle.Index);
                if (_prepared.ContainsKey(key) || _committed.ContainsKey(key))
                {
                    // Asked again (the GCS retried after a lost reply): already held.
                    continue;
                }
                var resources = new ResourceSet(bundle.Resources);
                sum.Add(resources);
                fresh.Add((bundle.Index, resources));
            }
            if (!_available.Covers(sum))
            {
                return false;
            }
            // The bundles' GPUs as ids too, so the tasks in a bundle see the devices it reserved (all or none).
            var gpuIds = new List<(int Index, List<(int Id, long Units)> Ids)>();
            foreach (var (index, resources) in fresh)
            {
                if (resources.Get("GPU") <= 0)
                {
                    continue;
                }
                if (_gpus.TryTake(resources.Get("GPU")) is not { } ids)
                {
                    gpuIds.ForEach(g => _gpus.Give(g.Ids));
                    return false;
                }
                gpuIds.Add((index, ids));
            }
            _available.Subtract(sum);
            foreach (var (index, resources) in fresh)
            {
                _prepared[(group, index)] = resources;
            }
            foreach (var (index, ids) in gpuIds)
            {
                _bundleGpuIds[(group, index)] = ids;
            }
        }
        RayletLog.BundlesPrepared(_logger, group.ToString(), bundles.Count);
        return true;
    }

    /// <summary>Turns prepared bundles into the group's resources; bundles not prepared here are ignored.</summary>
    public void CommitBundles(UniqueId group, IEnumerable<int> indexes)
    {
        lock (_lock)
        {
            foreach (var index in indexes)
            {
                if (!_prepared.Remove((group, index), out var taken))
                {
                    continue;
                }
                var added = new ResourceSet(BundleResources.Committed(group, index, taken.ToDoubles()));
                _total.Add(added);
                _available.Add(added);
                _committed[(group, index)] = (taken, added);
                if (_bundleGpuIds.TryGetValue((group, index), out var gpuIds))
                {
                    _bundleGpus[(group, index)] = new GpuIdPool(gpuIds);
                }
            }
        }
        Dispatch();
    }

    /// <summary>
    /// Gives a group's bundles back (the listed ones, or all of them here): the leases using them end (their
    /// workers are killed, as Ray does) and requests queued for them fail.
    /// </summary>
    public void CancelBundles(UniqueId group, IReadOnlyCollection<int> indexes)
    {
        bool Listed(int index) => indexes.Count == 0 || indexes.Contains(index);
        // Only the work of the listed bundles ends: a prepare or commit rolled back on this node returns the bundles it
        // had just reserved, and a bundle of the same group committed here before keeps its tasks and actors (as Ray's
        // rollback). Work placed on the group as a whole (bundle index -1) names no bundle and stays, unless the whole
        // group goes.
        bool Uses(string resource) => indexes.Count == 0
            ? BundleResources.BelongsTo(resource, group)
            : BundleResources.TryParse(resource, out _, out var of, out var index) && of == group && index >= 0 && indexes.Contains(index);
        List<UniqueId> users;
        List<PendingLease> waiting;
        lock (_lock)
        {
            users = _leases.Values.Where(l => l.Held.Units.Keys.Any(Uses)).Select(l => l.Id).ToList();
            // Requests queued for the listed bundles leave this node's queue: when the whole group goes they fail; after a
            // partial rollback the group lives and those bundles are placed again, so the requests are decided anew
            // (NodeManagerService: spilled to the bundle's new node, or waiting for it).
            waiting = _pending.Where(p => p.Demand.Units.Keys.Any(Uses)).ToList();
            foreach (var p in waiting)
            {
                _pending.Remove(p);
            }
        }
        var error = $"The placement group {group} was removed.";
        foreach (var p in waiting)
        {
            p.Granted.TrySetException(indexes.Count == 0
                ? new PlacementGroupRemovedException(error)
                : new BundleMovedException($"Bundle(s) {string.Join(", ", indexes)} of placement group {group} left this node."));
        }
        foreach (var id in users)
        {
            Return(id, workerDead: true);
        }
        lock (_lock)
        {
            foreach (var key in _prepared.Keys.Where(k => k.Group == group && Listed(k.Index)).ToList())
            {
                _available.Add(_prepared[key]);
                _prepared.Remove(key);
            }
            foreach (var key in _committed.Keys.Where(k => k.Group == group && Listed(k.Index)).ToList())
            {
                var (taken, added) = _committed[key];
                _total.Subtract(added);
                _available.Subtract(added);
                _available.Add(taken);
                _committed.Remove(key);
            }
            // The leases that used the bundles' GPUs ended above: the ids go back whole to the node's pool.
            foreach (var key in _bundleGpuIds.Keys.Where(k => k.Group == group && Listed(k.Index)).ToList())
            {
                _gpus.Give(_bundleGpuIds[key]);
                _bundleGpuIds.Remove(key);
                _bundleGpus.Remove(key);
            }
            _total.RemoveZeros(r => BundleResources.BelongsTo(r, group));
            _available.RemoveZeros(r => BundleResources.BelongsTo(r, group));
        }
        RayletLog.BundlesCancelled(_logger, group.ToString(), users.Count, waiting.Count);
        Dispatch();
    }
}

/// <summary>A lease request asked for the bundle resources of a placement group that was removed meanwhile.</summary>
public sealed class PlacementGroupRemovedException(string message) : Exception(message);

/// <summary>A queued request's bundle was given back on this node while its group lives: the request is decided again.</summary>
public sealed class BundleMovedException(string message) : Exception(message);
