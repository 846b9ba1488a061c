using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The task specs that made the objects this process owns (Ray's lineage), kept so that a lost object
/// can be made again by re-running its task. A spec stays while any of its task's return objects is
/// referenced; the total is bounded (Ray's max_lineage_bytes, 1 GiB) by dropping the oldest first,
/// whose objects then can no longer be re-created.
/// </summary>
internal sealed class LineageCache(long maxBytes = LineageCache.DefaultMaxBytes)
{
    public const long DefaultMaxBytes = 1L << 30;

    private readonly Lock _lock = new();
    private readonly Dictionary<UniqueId, (TaskSpec Spec, long Bytes, int LiveReturns, LinkedListNode<UniqueId> Node, PendingTask? Task)> _specs = [];
    private readonly HashSet<UniqueId> _evicted = [];
    private readonly Queue<UniqueId> _evictedOrder = new();
    private readonly LinkedList<UniqueId> _order = new();
    private long _bytes;

    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _specs.Count;
            }
        }
    }

    /// <summary>A task was submitted: its spec is kept while its <paramref name="returns"/> objects live.</summary>
    /// <param name="spec">The task's spec.</param>
    /// <param name="returns">How many objects it makes.</param>
    /// <param name="task">The submitted task, with its retries and scheduling options, to re-run it.</param>
    public void Add(TaskSpec spec, int returns, PendingTask? task = null)
    {
        var id = UniqueId.FromByteString(spec.TaskId);
        var bytes = spec.CalculateSize();
        lock (_lock)
        {
            if (_specs.ContainsKey(id))
            {
                return;
            }
            _specs[id] = (spec, bytes, Math.Max(1, returns), _order.AddLast(id), task);
            _bytes += bytes;
            while (_bytes > maxBytes && _order.First is { } oldest)
            {
                Remove(oldest.Value);
                RememberEvicted(oldest.Value);
            }
        }
    }

    /// <summary>The spec that makes <paramref name="objectId"/>, if it is still kept.</summary>
    public TaskSpec? Get(ObjectId objectId)
    {
        lock (_lock)
        {
            return _specs.TryGetValue(objectId.TaskId, out var entry) ? entry.Spec : null;
        }
    }

    /// <summary>The submitted task that makes <paramref name="objectId"/>, if its lineage is still kept.</summary>
    public PendingTask? GetTask(ObjectId objectId)
    {
        lock (_lock)
        {
            return _specs.TryGetValue(objectId.TaskId, out var entry) ? entry.Task : null;
        }
    }

    /// <summary>True when the lineage of <paramref name="objectId"/> was dropped to stay within the byte bound.</summary>
    public bool WasEvicted(ObjectId objectId)
    {
        lock (_lock)
        {
            return _evicted.Contains(objectId.TaskId);
        }
    }

    // The ids of evicted tasks, themselves bounded, only to say why an object cannot be re-created.
    private void RememberEvicted(UniqueId id)
    {
        if (_evicted.Add(id))
        {
            _evictedOrder.Enqueue(id);
            if (_evictedOrder.Count > 100_000)
            {
                _evicted.Remove(_evictedOrder.Dequeue());
            }
        }
    }

    /// <summary>A return object of a task was freed: once all are, its spec goes.</summary>
    public void OnObjectFreed(ObjectId objectId)
    {
        lock (_lock)
        {
            if (_specs.TryGetValue(objectId.TaskId, out var entry))
            {
                if (entry.LiveReturns <= 1)
                {
                    Remove(objectId.TaskId);
                }
                else
                {
                    _specs[objectId.TaskId] = entry with { LiveReturns = entry.LiveReturns - 1 };
                }
            }
        }
    }

    private void Remove(UniqueId id)
    {
        if (_specs.Remove(id, out var entry))
        {
            _bytes -= entry.Bytes;
            _order.Remove(entry.Node);
        }
    }
}
