using System.Collections.Concurrent;
using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Gcs.Storage;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>
/// The GCS's state: nodes, jobs and the internal key-value store. Read from memory; every lasting
/// change is also written, in order, to the GCS storage (Redis when configured), from which a
/// restarted GCS reloads them (<see cref="LoadAsync"/>). Resource reports are not written: they are
/// a quarter-second old at most and come again.
/// </summary>
public sealed class GcsTables
{
    private readonly IGcsStorage _storage;

    internal GcsTables(IGcsStorage storage, GcsWriteQueue writes)
    {
        _storage = storage;
        Writes = writes;
    }

    internal GcsWriteQueue Writes { get; }

    public ConcurrentDictionary<UniqueId, NodeInfo> Nodes { get; } = new();

    public ConcurrentDictionary<UniqueId, RegisterJobRequest> Jobs { get; } = new();

    public ConcurrentDictionary<(string Ns, string Key), byte[]> Kv { get; } = new();

    /// <summary>When each node last reported (Environment.TickCount64).</summary>
    public ConcurrentDictionary<UniqueId, long> LastReport { get; } = new();

    /// <summary>Node records are replaced, never changed in place, so a reply being serialized never sees a half-made update.</summary>
    public void UpdateNode(UniqueId id, Action<NodeInfo> change)
    {
        while (Nodes.TryGetValue(id, out var current))
        {
            var updated = current.Clone();
            change(updated);
            if (Nodes.TryUpdate(id, updated, current))
            {
                return;
            }
        }
    }

    /// <summary>Worker processes that died, as raylets reported them; each raylet reads what it has not seen.</summary>
    public WorkerFailureLog WorkerFailures { get; } = new();

    /// <summary>Subscribers to node changes: owners and the actor manager stop waiting on dead nodes.</summary>
    public NodeWatchers Watchers { get; } = new();

    /// <summary>Adds or replaces a node as alive, and tells subscribers.</summary>
    public void AddNode(UniqueId id, NodeInfo node)
    {
        node.Alive = true;
        node.DeathCause = "";
        Nodes[id] = node;
        LastReport[id] = Environment.TickCount64;
        _ = Writes.Put(GcsTableNames.Nodes, id.ToString(), node.ToByteArray());
        Watchers.Publish(node);
    }

    /// <summary>Marks a live node dead (its resources with it) and tells subscribers; false if it was not alive.</summary>
    public bool MarkDead(UniqueId id, string cause)
    {
        var changed = false;
        UpdateNode(id, n =>
        {
            changed = n.Alive;
            if (!n.Alive)
            {
                return;
            }
            n.Alive = false;
            n.DeathCause = cause;
            n.ResourcesAvailable.Clear();
            n.PendingDemands.Clear();
        });
        if (changed && Nodes.TryGetValue(id, out var dead))
        {
            _ = Writes.Put(GcsTableNames.Nodes, id.ToString(), dead.ToByteArray());
            Watchers.Publish(dead);
        }
        return changed;
    }

    /// <summary>Job ids count up from 1, as Ray's do, so they are short in logs; the storage keeps the count across restarts.</summary>
    public async Task<UniqueId> NextJobIdAsync() => new((UInt128)await _storage.NextJobIdAsync().ConfigureAwait(false));

    /// <summary>Registers a job, durably before the caller hears of it.</summary>
    public Task AddJobAsync(UniqueId id, RegisterJobRequest job)
    {
        Jobs[id] = job;
        return Writes.Put(GcsTableNames.Jobs, id.ToString(), job.ToByteArray());
    }

    public void RemoveJob(UniqueId id)
    {
        Jobs.TryRemove(id, out _);
        _ = Writes.Delete(GcsTableNames.Jobs, id.ToString());
    }

    /// <summary>Sets a KV entry, durably before the caller hears of it.</summary>
    public Task PutKvAsync(string ns, string key, byte[] value)
    {
        Kv[(ns, key)] = value;
        return Writes.Put(GcsTableNames.Kv, KvKey(ns, key), value);
    }

    // Namespaces hold no newline (they are code identifiers like "package"); keys may hold anything.
    private static string KvKey(string ns, string key) => ns + "\n" + key;

    /// <summary>
    /// A restarted GCS takes back what its storage kept. Live nodes get a full health-check timeout
    /// from now to report again: a crash while the GCS was down is seen as silence.
    /// </summary>
    internal async Task<(int Nodes, int Jobs, int Kv)> LoadAsync(CancellationToken cancellationToken)
    {
        if (!Writes.Persistent)
        {
            return (0, 0, 0);
        }
        var now = Environment.TickCount64;
        foreach (var (key, bytes) in await _storage.GetAllAsync(GcsTableNames.Nodes, cancellationToken).ConfigureAwait(false))
        {
            if (!UniqueId.TryParse(key, out var id))
            {
                continue;
            }
            Nodes[id] = NodeInfo.Parser.ParseFrom(bytes);
            LastReport[id] = now;
        }
        var jobs = await _storage.GetAllAsync(GcsTableNames.Jobs, cancellationToken).ConfigureAwait(false);
        foreach (var (key, bytes) in jobs)
        {
            if (UniqueId.TryParse(key, out var job))
            {
                Jobs[job] = RegisterJobRequest.Parser.ParseFrom(bytes);
            }
        }
        var kv = await _storage.GetAllAsync(GcsTableNames.Kv, cancellationToken).ConfigureAwait(false);
        foreach (var (key, bytes) in kv)
        {
            var split = key.IndexOf('\n', StringComparison.Ordinal);
            Kv[(key[..split], key[(split + 1)..])] = bytes;
        }
        return (Nodes.Count, jobs.Count, kv.Count);
    }
}
