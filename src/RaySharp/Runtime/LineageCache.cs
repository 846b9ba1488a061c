using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The task specs that made the objects this process owns (Ray's lineage), kept so that a lost object
/// can be made again by re-running its task. A spec stays while any of its task's return objects is
/// referenced, or while the lineage of a task that took one of them as an argument is kept (Ray's
/// lineage pinning: a chain can be rebuilt from its end even when the middle refs were dropped). The
/// total is bounded (Ray's max_lineage_bytes, 1 GiB) by dropping the oldest first, whose objects then
/// can no longer be re-created.
/// It is also the owner's table of its pending normal tasks, as Ray's task manager keeps one entry per task for both
/// (submissible_tasks_): a task added here stays, whatever its refs, until <see cref="OnTaskFinished"/>, and the submitter
/// finds it here to cancel it (<see cref="GetPending"/>), so a million queued tasks cost one table entry each, not two.
/// </summary>
internal sealed class LineageCache(long maxBytes = LineageCache.DefaultMaxBytes)
{
    public const long DefaultMaxBytes = 1L << 30;

    private readonly Lock _lock = new();
    // Entries are structs in the table, and the age order a queue of ids: a driver with a million tasks queued keeps a
    // million of these, and an object, a linked-list node and a list per task cost twice the bytes.
    private readonly Dictionary<UniqueId, Entry> _specs = [];
    private readonly HashSet<UniqueId> _evicted = [];
    private readonly Queue<UniqueId> _evictedOrder = new();
    // Oldest first. An id removed early stays until the eviction reaches it, or a compaction drops it (see Add); it
    // is never added again (a task id is new with each submission), so an id found in the table is still that entry.
    private readonly Queue<UniqueId> _order = new();
    // The parents of the task added last: a fan-out's tasks (a million on one ref) share one array, never changed.
    private UniqueId[]? _lastParents;
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
    /// <param name="task">The submitted task, with its retries and scheduling options, to re-run it; when given, <see cref="Get"/> makes the spec from it.</param>
    /// <param name="arguments">Objects this process owns that the task takes as arguments: their lineage is kept as long as this task's.</param>
    public void Add(TaskSpec spec, int returns, PendingTask? task = null, IEnumerable<ObjectId>? arguments = null) =>
        Add(UniqueId.FromByteString(spec.TaskId), spec.CalculateSize(), returns, task ?? (object)spec, arguments);

    /// <summary>
    /// A task is being submitted: it is kept as pending until <see cref="OnTaskFinished"/>, and after that, to be run again,
    /// while its return objects live. Sets <see cref="PendingTask.InLineage"/> when it is kept here (not when its id already was).
    /// </summary>
    /// <param name="task">The submitted task; its spec is made from it when asked.</param>
    /// <param name="arguments">Objects this process owns that the task takes as arguments: their lineage is kept as long as this task's.</param>
    public void Add(PendingTask task, IEnumerable<ObjectId>? arguments = null)
    {
        // Its spec's size, counted without making the spec: the shared fields, the id, the arguments and their tags.
        var bytes = task.Template.CalculateSize() + 18;
        foreach (var arg in task.Args)
        {
            bytes += arg.CalculateSize() + 3;
        }
        Add(task.TaskId, bytes, task.Template.NumReturns, task, arguments);
    }

    /// <summary>The task kept here as pending under <paramref name="taskId"/>, if there is one.</summary>
    public PendingTask? GetPending(UniqueId taskId)
    {
        lock (_lock)
        {
            return _specs.TryGetValue(taskId, out var entry) && entry.Pending ? (PendingTask)entry.Source : null;
        }
    }

    /// <summary>The tasks kept here as pending, at this moment, that <paramref name="parentTaskId"/> submitted.</summary>
    public List<PendingTask> PendingChildren(Google.Protobuf.ByteString parentTaskId)
    {
        lock (_lock)
        {
            // Only the children are collected: a recursive cancel among a million queued tasks copies its few, not all.
            var children = new List<PendingTask>();
            foreach (var entry in _specs.Values)
            {
                if (entry.Pending && entry.Source is PendingTask task && task.ParentTaskId == parentTaskId)
                {
                    children.Add(task);
                }
            }
            return children;
        }
    }

    /// <summary>
    /// A task added here finished for good (not retried): its entry now stays only as lineage, while its return objects
    /// live or a kept task takes one of them — or goes now, if its lineage was evicted while it was pending.
    /// </summary>
    public void OnTaskFinished(PendingTask task)
    {
        lock (_lock)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_specs, task.TaskId);
            if (Unsafe.IsNullRef(ref entry) || !entry.Pending || !ReferenceEquals(entry.Source, task))
            {
                return;
            }
            entry.Pending = false;
            if (entry.Evicted || Unused(entry))
            {
                Remove(task.TaskId);
            }
        }
    }

    private void Add(UniqueId id, int bytes, int returns, object source, IEnumerable<ObjectId>? arguments)
    {
        lock (_lock)
        {
            if (_specs.ContainsKey(id))
            {
                return;
            }
            List<UniqueId>? parents = null;
            foreach (var argument in arguments ?? [])
            {
                ref var parent = ref CollectionsMarshal.GetValueRefOrNullRef(_specs, argument.TaskId);
                if (argument.TaskId != id && !Unsafe.IsNullRef(ref parent))
                {
                    parent.LineageRefs++;
                    (parents ??= []).Add(argument.TaskId);
                }
            }
            var task = source as PendingTask;
            _specs[id] = new Entry(source, bytes, Math.Max(1, returns), SharedParents(parents)) { Pending = task is not null };
            if (task is not null)
            {
                task.InLineage = true;
            }
            if (_order.Count >= 2 * _specs.Count + 1024)
            {
                CompactOrder();
            }
            _order.Enqueue(id);
            _bytes += bytes;
            while (_bytes > maxBytes && _order.TryDequeue(out var oldest))
            {
                if (EvictPending(oldest) || Remove(oldest))
                {
                    RememberEvicted(oldest);
                }
            }
        }
    }

    private UniqueId[]? SharedParents(List<UniqueId>? parents)
    {
        if (parents is null)
        {
            return null;
        }
        if (_lastParents is { } last && last.AsSpan().SequenceEqual(CollectionsMarshal.AsSpan(parents)))
        {
            return last;
        }
        return _lastParents = [.. parents];
    }

    // A pending task's lineage is evicted without its entry: the submitter still finds it until it finishes, when it goes.
    // Its bytes no longer count, and it no longer makes its objects again.
    private bool EvictPending(UniqueId id)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_specs, id);
        if (Unsafe.IsNullRef(ref entry) || !entry.Pending)
        {
            return false;
        }
        _bytes -= entry.Bytes;
        entry.Bytes = 0;
        entry.Evicted = true;
        return true;
    }

    // Drops the ids removed since they were queued (their order kept), so the queue stays within twice the table.
    private void CompactOrder()
    {
        for (var n = _order.Count; n > 0; n--)
        {
            var id = _order.Dequeue();
            if (_specs.ContainsKey(id))
            {
                _order.Enqueue(id);
            }
        }
        _order.TrimExcess();
    }

    /// <summary>The spec that makes <paramref name="objectId"/>, if it is still kept.</summary>
    public TaskSpec? Get(ObjectId objectId)
    {
        lock (_lock)
        {
            return _specs.TryGetValue(objectId.TaskId, out var entry) && !entry.Evicted ? entry.Source as TaskSpec ?? ((PendingTask)entry.Source).BuildSpec() : null;
        }
    }

    /// <summary>The submitted task that makes <paramref name="objectId"/>, if its lineage is still kept.</summary>
    public PendingTask? GetTask(ObjectId objectId)
    {
        lock (_lock)
        {
            return _specs.TryGetValue(objectId.TaskId, out var entry) && !entry.Evicted ? entry.Source as PendingTask : null;
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

    /// <summary>A return object of a task was freed: once all are, and no kept task needs it, its spec goes.</summary>
    public void OnObjectFreed(ObjectId objectId)
    {
        lock (_lock)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_specs, objectId.TaskId);
            if (!Unsafe.IsNullRef(ref entry) && entry.LiveReturns > 0)
            {
                entry.LiveReturns--;
                RemoveIfUnused(objectId.TaskId, entry);
            }
        }
    }

    /// <summary>
    /// The task finished and every one of its returns is kept in this process's memory (small values and errors,
    /// not the object store): none can be lost while this process lives, so its spec goes now rather than when its
    /// refs are collected, unless a kept task still takes one of its objects (its argument may not be inlined yet).
    /// </summary>
    public void OnFinishedInMemory(UniqueId taskId)
    {
        lock (_lock)
        {
            if (_specs.TryGetValue(taskId, out var entry) && entry.LineageRefs <= 0 && !entry.Pending)
            {
                Remove(taskId);
            }
        }
    }

    private void RemoveIfUnused(UniqueId id, in Entry entry)
    {
        if (Unused(entry))
        {
            Remove(id);
        }
    }

    // No object of the task lives, no kept task takes one, and the task is not pending.
    private static bool Unused(in Entry entry) => entry.LiveReturns <= 0 && entry.LineageRefs <= 0 && !entry.Pending;

    private bool Remove(UniqueId id)
    {
        if (!_specs.ContainsKey(id))
        {
            return false;
        }
        // Parents that become unused go too, without recursion: the last ref of a chain of many thousands of tasks
        // would otherwise recurse once per task and could overflow the stack. The stack is made only for a second level.
        Stack<UniqueId>? unused = null;
        var next = id;
        while (true)
        {
            if (_specs.Remove(next, out var entry))
            {
                _bytes -= entry.Bytes;
                // Its arguments' lineage was kept for it: no longer.
                foreach (var parentId in entry.Parents ?? [])
                {
                    ref var parent = ref CollectionsMarshal.GetValueRefOrNullRef(_specs, parentId);
                    if (!Unsafe.IsNullRef(ref parent))
                    {
                        parent.LineageRefs--;
                        if (Unused(parent))
                        {
                            (unused ??= new Stack<UniqueId>()).Push(parentId);
                        }
                    }
                }
            }
            if (unused is null || !unused.TryPop(out next))
            {
                return true;
            }
        }
    }

    // One field for the spec or the task (the table's entries are a million for a million tasks queued, and 8 bytes each count).
    private struct Entry(object source, int bytes, int liveReturns, UniqueId[]? parents)
    {
        /// <summary>The submitted task (which makes the spec), or the spec as given for an entry added without its task.</summary>
        public readonly object Source = source;

        /// <summary>What its spec counts against the bound; 0 once <see cref="Evicted"/>.</summary>
        public int Bytes = bytes;

        public int LiveReturns = liveReturns;

        /// <summary>Kept tasks that take one of this task's objects as an argument.</summary>
        public int LineageRefs;

        public readonly UniqueId[]? Parents = parents;

        /// <summary>The task is submitted and not finished for good: the entry stays (see <see cref="OnTaskFinished"/>).</summary>
        public bool Pending;

        /// <summary>Its lineage was evicted while the task was pending: the entry stays only until the task finishes.</summary>
        public bool Evicted;
    }
}
