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
/// a quarter-second old at most and come again. Nothing here only grows: dead nodes are kept up to
/// <see cref="GcsOptions.MaxDeadNodes"/>, a node's last report goes with its life, a job goes when it
/// ends (or when the last detached actor it created dies), and KV entries are deleted by their owners
/// (code packages by <see cref="PackageCollector"/>).
/// </summary>
public sealed class GcsTables
{
    private readonly IGcsStorage _storage;
    private readonly DeadEntries<UniqueId> _deadNodes;

    internal GcsTables(IGcsStorage storage, GcsWriteQueue writes, GcsOptions options)
    {
        _storage = storage;
        Writes = writes;
        _deadNodes = new DeadEntries<UniqueId>(options.MaxDeadNodes);
    }

    internal GcsWriteQueue Writes { get; }

    public ConcurrentDictionary<UniqueId, NodeInfo> Nodes { get; } = new();

    public ConcurrentDictionary<UniqueId, RegisterJobRequest> Jobs { get; } = new();

    public ConcurrentDictionary<(string Ns, string Key), byte[]> Kv { get; } = new();

    /// <summary>When each live node last reported (Environment.TickCount64); a node's entry goes when it dies.</summary>
    public ConcurrentDictionary<UniqueId, long> LastReport { get; } = new();

    /// <summary>Raised after a job's record is removed (its code packages may be unreferenced now).</summary>
    internal event Action? JobRemoved;

    /// <summary>Notes a live node's report; a report that raced the node's death leaves nothing behind.</summary>
    public void RecordReport(UniqueId id)
    {
        LastReport[id] = Environment.TickCount64;
        if (!Nodes.TryGetValue(id, out var node) || !node.Alive)
        {
            LastReport.TryRemove(id, out _);
        }
    }

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

    /// <summary>The death cause of a node stopped on purpose (raysharp stop, or its program shut down).</summary>
    public const string StoppedCause = "The node was stopped";

    /// <summary>Nodes that joined or died, actors restarted, workers killed for memory: what the dashboard shows.</summary>
    public ClusterEventLog Events { get; } = new();

    /// <summary>Worker processes that died, as raylets reported them; each raylet reads what it has not seen.</summary>
    public WorkerFailureLog WorkerFailures { get; } = new();

    /// <summary>Subscribers to node changes: owners and the actor manager stop waiting on dead nodes.</summary>
    public NodeWatchers Watchers { get; } = new();

    /// <summary>Adds or replaces a node as alive, and tells subscribers.</summary>
    public void AddNode(UniqueId id, NodeInfo node)
    {
        // A node registers again when its first call's answer was lost (a retry under load) or after a GCS restart:
        // one NODE_ADDED event per node joining, not per call.
        var joins = !Nodes.TryGetValue(id, out var known) || !known.Alive;
        node.Alive = true;
        node.DeathCause = "";
        node.EndTimeMs = 0;
        Nodes[id] = node;
        LastReport[id] = Environment.TickCount64;
        _ = Writes.Put(GcsTableNames.Nodes, id.ToString(), node.ToByteArray());
        Watchers.Publish(node);
        if (joins)
        {
            Events.NodeAdded(id, node);
        }
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
            n.EndTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            n.ResourcesAvailable.Clear();
            n.PendingDemands.Clear();
        });
        if (!changed)
        {
            return false;
        }
        LastReport.TryRemove(id, out _);
        if (Nodes.TryGetValue(id, out var dead))
        {
            _ = Writes.Put(GcsTableNames.Nodes, id.ToString(), dead.ToByteArray());
            Watchers.Publish(dead);
            Events.NodeDead(id, dead, cause);
        }
        foreach (var old in _deadNodes.Add(id))
        {
            ForgetNode(old);
        }
        return true;
    }

    /// <summary>
    /// Drops a long-dead node from the table and storage. Watchers were told of its death when it died;
    /// a forgotten node that reported again would be asked to register, but a raylet declared dead shuts
    /// itself down at its next report (or after 60 s without the GCS), long before it is forgotten.
    /// </summary>
    private void ForgetNode(UniqueId id)
    {
        Nodes.TryRemove(id, out _);
        LastReport.TryRemove(id, out _);
        _ = Writes.Delete(GcsTableNames.Nodes, id.ToString());
    }

    /// <summary>Job ids count up from 1, as Ray's do, so they are short in logs; the storage keeps the count across restarts.</summary>
    public async Task<UniqueId> NextJobIdAsync() => new(0, (ulong)await _storage.NextJobIdAsync().ConfigureAwait(false));

    /// <summary>Registers a job, durably before the caller hears of it.</summary>
    public Task AddJobAsync(UniqueId id, RegisterJobRequest job)
    {
        job.Finished = false;
        job.StartTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Jobs[id] = job;
        return Writes.Put(GcsTableNames.Jobs, id.ToString(), job.ToByteArray());
    }

    /// <summary>True while the job's driver runs (registered and not finished).</summary>
    public bool IsJobLive(UniqueId id) => Jobs.TryGetValue(id, out var job) && !job.Finished;

    /// <summary>True when the job ended but its record is kept for detached actors it created.</summary>
    public bool IsJobFinished(UniqueId id) => Jobs.TryGetValue(id, out var job) && job.Finished;

    /// <summary>
    /// The job ended but detached actors it created still live: its record stays (marked finished) so
    /// raylets can still start their workers from its code when they restart.
    /// </summary>
    public void MarkJobFinished(UniqueId id)
    {
        while (Jobs.TryGetValue(id, out var current) && !current.Finished)
        {
            var finished = current.Clone();
            finished.Finished = true;
            finished.EndTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (Jobs.TryUpdate(id, finished, current))
            {
                _ = Writes.Put(GcsTableNames.Jobs, id.ToString(), finished.ToByteArray());
                return;
            }
        }
    }

    /// <summary>How many finished jobs <see cref="ListJobs"/> remembers after their records went (in memory only).</summary>
    public const int MaxFinishedJobsListed = 1_000;

    private readonly Queue<JobTableEntry> _finishedJobs = new();

    /// <summary>Every registered job, then the latest finished ones whose records are gone (Ray lists finished jobs too).</summary>
    public JobList ListJobs()
    {
        var list = new JobList();
        list.Jobs.AddRange(Jobs.Select(j => Entry(j.Key, j.Value)));
        lock (_finishedJobs)
        {
            list.Jobs.AddRange(_finishedJobs.Where(f => !Jobs.ContainsKey(UniqueId.FromByteString(f.JobId))).Select(f => f.Clone()));
        }
        return list;
    }

    private static JobTableEntry Entry(UniqueId id, RegisterJobRequest job) => new()
    {
        JobId = id.ToByteString(),
        Driver = job.Driver,
        DriverPid = job.DriverPid,
        Namespace = job.Namespace,
        Finished = job.Finished,
        StartTimeMs = job.StartTimeMs,
        EndTimeMs = job.EndTimeMs,
        Entrypoint = job.WorkerLaunch?.DepsFile.Replace(".deps.json", "", StringComparison.Ordinal) ?? "",
        SubmissionId = job.SubmissionId,
    };

    public void RemoveJob(UniqueId id)
    {
        if (Jobs.TryRemove(id, out var removed))
        {
            var entry = Entry(id, removed);
            entry.Finished = true;
            if (entry.EndTimeMs == 0)
            {
                entry.EndTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            }
            lock (_finishedJobs)
            {
                _finishedJobs.Enqueue(entry);
                while (_finishedJobs.Count > MaxFinishedJobsListed)
                {
                    _finishedJobs.Dequeue();
                }
            }
            _ = Writes.Delete(GcsTableNames.Jobs, id.ToString());
            JobRemoved?.Invoke();
        }
    }

    /// <summary>Sets a KV entry, durably before the caller hears of it.</summary>
    public Task PutKvAsync(string ns, string key, byte[] value)
    {
        Kv[(ns, key)] = value;
        return Writes.Put(GcsTableNames.Kv, KvKey(ns, key), value);
    }

    /// <summary>Removes a KV entry (from storage after the writes queued before it); false when it was not there.</summary>
    public bool DeleteKv(string ns, string key)
    {
        if (!Kv.TryRemove((ns, key), out _))
        {
            return false;
        }
        _ = Writes.Delete(GcsTableNames.Kv, KvKey(ns, key));
        return true;
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
        var dead = new List<(long EndTime, UniqueId Id)>();
        foreach (var (key, bytes) in await _storage.GetAllAsync(GcsTableNames.Nodes, cancellationToken).ConfigureAwait(false))
        {
            if (!UniqueId.TryParse(key, out var id))
            {
                continue;
            }
            var node = NodeInfo.Parser.ParseFrom(bytes);
            Nodes[id] = node;
            if (node.Alive)
            {
                LastReport[id] = now;
            }
            else
            {
                dead.Add((node.EndTimeMs, id));
            }
        }
        // In the order they died, so a GCS restarted with a smaller bound forgets the longest dead.
        foreach (var (_, id) in dead.OrderBy(d => d.EndTime))
        {
            foreach (var old in _deadNodes.Add(id))
            {
                ForgetNode(old);
            }
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
