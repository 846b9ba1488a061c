using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs.Tasks;

/// <summary>
/// The task event table (Ray's GcsTaskManager): every event that owners and workers report is merged into the
/// record of its task attempt, so one record tells a task's name, latest state, where it ran, why it failed and
/// when it went through each state. In memory only (as Ray's): task history is for looking, not for recovery.
/// Bounded by <see cref="GcsOptions.MaxTaskEvents"/>; the oldest attempts are evicted first and counted.
/// The records are <see cref="TaskRow"/> values in a ring (oldest to newest) with an index by attempt, neither of
/// which holds an object reference: the table costs the garbage collector nothing however full it is. Names,
/// resources and errors live in arrays beside the rows, names and resources interned.
/// </summary>
internal sealed class GcsTaskManager(GcsOptions options)
{
    private const int InitialCapacity = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<(UniqueId TaskId, int Attempt), int> _slots = [];
    private readonly InternPool<string> _names = new(4096);
    private readonly InternPool<TaskResources> _resourceSets = new(1024);
    private TaskRow[] _rows = [];
    private string?[] _rowNames = [];
    // Set only for a task with a name of its own (TaskInfo.func_or_class_name): most rows leave it null.
    private string?[] _rowFunctions = [];
    private TaskResources?[] _rowResources = [];
    private TaskError?[] _rowErrors = [];
    // The ring: _count rows from _oldest on, wrapping only once the arrays are at their bound.
    private int _oldest;
    private int _count;
    private long _droppedAtWorkers;
    private long _droppedAtGcs;
    // Batches received and not yet merged, oldest first, with their event counts: see Add.
    private readonly Queue<PendingBatch> _pending = new();
    private long _pendingEvents;

    /// <summary>A batch waiting to be merged: its bytes, and the pooled array they were copied into (null: not pooled).</summary>
    private readonly record struct PendingBatch(ReadOnlyMemory<byte> Bytes, byte[]? Pooled, int Events);

    /// <summary>
    /// Batches as raylets pass them on, still serialized. A batch is kept as bytes until the table is read: merging an
    /// event into its row (a probe of the 100,000-attempt index, a row evicted) was most of what task events cost the
    /// process that hosts the GCS, and between reads only the newest <see cref="GcsOptions.MaxTaskEvents"/> events
    /// can end up in the table anyway. So once more than that wait, the oldest waiting batches are dropped, counted
    /// as evicted, and never merged; a read (<see cref="Get"/>, <see cref="MarkUnfinishedFailed"/>) merges what waits
    /// first. Merging reads straight from the bytes into the rows (<see cref="TaskEventReader"/>): no message object
    /// per event, only the rare parts (an error, a resource set or name not seen before) are made. A batch that does
    /// not decode is skipped (it came from a confused sender).
    /// </summary>
    public void Add(RawTaskEvents raw)
    {
        foreach (var bytes in raw.Batches)
        {
            // The request's bytes are the batch's own: kept as they are.
            Keep(bytes.Memory, pooled: null);
        }
    }

    /// <summary>One serialized batch from a buffer the caller reuses: copied into a pooled array to wait.</summary>
    public void Add(ReadOnlySpan<byte> batch)
    {
        var pooled = ArrayPool<byte>.Shared.Rent(batch.Length);
        batch.CopyTo(pooled);
        Keep(pooled.AsMemory(0, batch.Length), pooled);
    }

    private void Keep(ReadOnlyMemory<byte> bytes, byte[]? pooled)
    {
        if (!TaskEventReader.Survey(bytes.Span, out var events, out var dropped))
        {
            Return(pooled);
            return;
        }
        lock (_lock)
        {
            _droppedAtWorkers += dropped;
            _pending.Enqueue(new PendingBatch(bytes, pooled, events));
            _pendingEvents += events;
            // Drop the oldest waiting batch while the newer ones alone fill the table: its events would be evicted by them.
            while (_pending.Count > 1 && _pendingEvents - _pending.Peek().Events >= options.MaxTaskEvents)
            {
                var oldest = _pending.Dequeue();
                _pendingEvents -= oldest.Events;
                _droppedAtGcs += oldest.Events;
                Return(oldest.Pooled);
            }
        }
    }

    /// <summary>Merges the waiting batches, oldest first (the lock held).</summary>
    private void MergePending()
    {
        while (_pending.TryDequeue(out var batch))
        {
            var span = batch.Bytes.Span;
            if (TaskEventReader.IsValidBatch(span))
            {
                // The batch's dropped count was taken when it arrived.
                TaskEventReader.Apply(span, this);
            }
            Return(batch.Pooled);
        }
        _pendingEvents = 0;
    }

    private static void Return(byte[]? pooled)
    {
        if (pooled is not null)
        {
            ArrayPool<byte>.Shared.Return(pooled);
        }
    }

    public void Add(TaskEventBatch batch)
    {
        lock (_lock)
        {
            MergePending();
            _droppedAtWorkers += batch.Dropped;
            foreach (var e in batch.Events)
            {
                Merge(e);
            }
        }
    }

    public TaskEventsReply Get(GetTaskEventsRequest request)
    {
        lock (_lock)
        {
            MergePending();
            var reply = new TaskEventsReply { Total = _count, DroppedAtWorkers = _droppedAtWorkers, DroppedAtGcs = _droppedAtGcs };
            if (!TryId(request.JobId, out var jobId))
            {
                return reply;
            }
            var limit = request.Limit > 0 ? request.Limit : int.MaxValue;
            // Newest first.
            for (var i = _count - 1; i >= 0 && reply.Tasks.Count < limit; i--)
            {
                var slot = Slot(i);
                if (request.JobId.IsEmpty || (_rows[slot].HasInfo && _rows[slot].JobId == jobId))
                {
                    reply.Tasks.Add(Record(slot));
                }
            }
            return reply;
        }
    }

    /// <summary>
    /// Ray's gcs_mark_task_failed_on_job_done_delay_ms: once a job has ended, attempts of it that never reported an
    /// end (their worker was stopped with the job, or its last events were lost) are marked failed, so the state
    /// API does not show them running forever. Called after a delay that lets the last batches arrive.
    /// </summary>
    public void MarkUnfinishedFailed(ByteString jobId)
    {
        if (!TryId(jobId, out var job))
        {
            return;
        }
        var now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        lock (_lock)
        {
            MergePending();
            for (var i = 0; i < _count; i++)
            {
                var slot = Slot(i);
                ref var row = ref _rows[slot];
                if (row.HasInfo && row.JobId == job && row.State is not (TaskState.Finished or TaskState.Failed))
                {
                    AddTransition(ref row, TaskState.Failed, now);
                    _rowErrors[slot] = new TaskError
                    {
                        ErrorType = "WORKER_DIED",
                        ErrorMessage = "The job finished before the task reported its end (its worker was stopped with the job).",
                    };
                }
            }
        }
    }

    /// <summary>
    /// Merges one event into its attempt's row. Events of one attempt come from two processes (its owner and the worker
    /// that runs it) in batches that can arrive in either order, so the state only moves forward: a late "submitted"
    /// from the owner never hides "running" or "finished" from the worker.
    /// </summary>
    private void Merge(TaskEvent e)
    {
        if (options.MaxTaskEvents == 0 || e.TaskId.IsEmpty || !TryId(e.TaskId, out var taskId))
        {
            return;
        }
        var slot = SlotFor(taskId, e.Attempt);
        ref var row = ref _rows[slot];
        foreach (var change in e.States)
        {
            if (change.State != TaskState.Nil)
            {
                AddTransition(ref row, change.State, change.TimeNs);
            }
        }
        if (e.Info is { } info)
        {
            MergeInfo(ref row, slot, info);
        }
        if (e.Place is { } place)
        {
            TryId(place.NodeId, out row.NodeId);
            TryId(place.WorkerId, out row.WorkerId);
            row.WorkerPid = place.WorkerPid;
            row.HasPlace = true;
        }
        if (e.Error is { } error)
        {
            _rowErrors[slot] = error;
        }
    }

    /// <summary>The row an event of a batch goes to (-1: none is kept: the table keeps nothing, or the id is not one).</summary>
    internal int RawSlot(ReadOnlySpan<byte> taskId, int attempt)
    {
        if (options.MaxTaskEvents == 0 || taskId.IsEmpty || taskId.Length != 16)
        {
            return -1;
        }
        return SlotFor(UniqueId.FromBytes(taskId), attempt);
    }

    internal void RawTransition(int slot, TaskState state, long timeNs)
    {
        if (state != TaskState.Nil)
        {
            AddTransition(ref _rows[slot], state, timeNs);
        }
    }

    internal void RawInfo(int slot, ReadOnlySpan<byte> jobId, ReadOnlySpan<byte> name, TaskType type, ReadOnlySpan<byte> actorId,
        ReadOnlySpan<byte> parentTaskId, bool hasResources, ReadOnlySpan<byte> resources, ReadOnlySpan<byte> function)
    {
        ref var row = ref _rows[slot];
        if (!row.HasInfo)
        {
            row.HasInfo = true;
            TryId(jobId, out row.JobId);
            TryId(actorId, out row.ActorId);
            row.Type = type;
            _rowNames[slot] = name.IsEmpty ? null : Name(name);
            _rowFunctions[slot] = function.IsEmpty ? null : Name(function);
        }
        if (!parentTaskId.IsEmpty)
        {
            TryId(parentTaskId, out row.ParentTaskId);
        }
        if (_rowResources[slot] is null && hasResources)
        {
            _rowResources[slot] = ResourceSet(resources);
        }
    }

    internal void RawPlace(int slot, ReadOnlySpan<byte> nodeId, ReadOnlySpan<byte> workerId, int workerPid)
    {
        ref var row = ref _rows[slot];
        TryId(nodeId, out row.NodeId);
        TryId(workerId, out row.WorkerId);
        row.WorkerPid = workerPid;
        row.HasPlace = true;
    }

    internal void RawError(int slot, ReadOnlySpan<byte> error) => _rowErrors[slot] = TaskError.Parser.ParseFrom(error);

    // The last names and resource sets read, by their bytes: most events of a batch repeat them.
    private readonly List<(byte[] Bytes, string Value)> _recentNames = [];
    private readonly List<(byte[] Bytes, TaskResources Value)> _recentResourceSets = [];
    private const int MaxRecent = 16;

    private string Name(ReadOnlySpan<byte> utf8)
    {
        foreach (var (bytes, value) in _recentNames)
        {
            if (utf8.SequenceEqual(bytes))
            {
                return value;
            }
        }
        var name = _names.Intern(System.Text.Encoding.UTF8.GetString(utf8));
        Remember(_recentNames, (utf8.ToArray(), name));
        return name;
    }

    private TaskResources ResourceSet(ReadOnlySpan<byte> serialized)
    {
        foreach (var (bytes, value) in _recentResourceSets)
        {
            if (serialized.SequenceEqual(bytes))
            {
                return value;
            }
        }
        var resources = _resourceSets.Intern(TaskResources.Parser.ParseFrom(serialized));
        Remember(_recentResourceSets, (serialized.ToArray(), resources));
        return resources;
    }

    private static void Remember<T>(List<T> recent, T item)
    {
        if (recent.Count >= MaxRecent)
        {
            recent.RemoveAt(recent.Count - 1);
        }
        recent.Insert(0, item);
    }

    private void MergeInfo(ref TaskRow row, int slot, TaskInfo info)
    {
        // The owner's info has the parent and resources, the executor's may come first: keep what each adds.
        if (!row.HasInfo)
        {
            row.HasInfo = true;
            TryId(info.JobId, out row.JobId);
            TryId(info.ActorId, out row.ActorId);
            row.Type = info.Type;
            _rowNames[slot] = info.Name.Length == 0 ? null : _names.Intern(info.Name);
            _rowFunctions[slot] = info.FuncOrClassName.Length == 0 ? null : _names.Intern(info.FuncOrClassName);
        }
        if (!info.ParentTaskId.IsEmpty)
        {
            TryId(info.ParentTaskId, out row.ParentTaskId);
        }
        if (_rowResources[slot] is null && info.RequiredResources is { } resources)
        {
            _rowResources[slot] = _resourceSets.Intern(resources);
        }
    }

    private static void AddTransition(ref TaskRow row, TaskState state, long timeNs)
    {
        // An attempt enters each state once. A state reported twice is kept once, at its first report: a worker
        // reports a task still running at its flush, and the task's owner reports the same run again from its result.
        for (var t = 0; t < row.TransitionCount; t++)
        {
            if (row.Transitions[t].State == state)
            {
                return;
            }
        }
        // A confused sender's extra transitions are not kept; the state they reach still is.
        if (row.TransitionCount < TaskRow.MaxTransitions)
        {
            row.Transitions[row.TransitionCount++] = new TaskTransition(state, timeNs);
        }
        if (Rank(state) >= Rank(row.State))
        {
            row.State = state;
        }
    }

    // FINISHED and FAILED share the last rank: whichever is reported last for the attempt stands.
    private static int Rank(TaskState state) => state == TaskState.Failed ? (int)TaskState.Finished : (int)state;

    /// <summary>The row of an attempt: its own, or a new one at the ring's end (evicting the oldest at the bound).</summary>
    private int SlotFor(UniqueId taskId, int attempt)
    {
        // One probe finds the attempt's row or makes its index entry (most events are an attempt's first): the index is
        // 100,000 entries at its bound, and each probe of it is a cache miss. Removing the evicted attempt below does
        // not move this entry.
        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, (taskId, attempt), out var exists);
        if (exists)
        {
            return index;
        }
        int slot;
        if (_count < _rows.Length)
        {
            slot = Slot(_count);
            _count++;
        }
        else if (_rows.Length < options.MaxTaskEvents)
        {
            Grow(Math.Min(options.MaxTaskEvents, Math.Max(InitialCapacity, _rows.Length * 2)));
            slot = _count++;
        }
        else
        {
            slot = _oldest;
            _slots.Remove((_rows[slot].TaskId, _rows[slot].Attempt));
            _oldest = (_oldest + 1) % _rows.Length;
            _droppedAtGcs++;
        }
        _rows[slot] = new TaskRow { TaskId = taskId, Attempt = attempt };
        _rowNames[slot] = null;
        _rowFunctions[slot] = null;
        _rowResources[slot] = null;
        _rowErrors[slot] = null;
        index = slot;
        return slot;
    }

    // The ring wraps only at the bound, so below it the rows run from slot 0 and growing is a plain copy.
    private void Grow(int capacity)
    {
        Array.Resize(ref _rows, capacity);
        Array.Resize(ref _rowNames, capacity);
        Array.Resize(ref _rowFunctions, capacity);
        Array.Resize(ref _rowResources, capacity);
        Array.Resize(ref _rowErrors, capacity);
    }

    /// <summary>The slot of the <paramref name="i"/>-th row from the oldest.</summary>
    private int Slot(int i) => (_oldest + i) % _rows.Length;

    private TaskRecord Record(int slot)
    {
        ref readonly var row = ref _rows[slot];
        var record = new TaskRecord { TaskId = row.TaskId.ToByteString(), Attempt = row.Attempt, State = row.State };
        for (var t = 0; t < row.TransitionCount; t++)
        {
            record.Transitions.Add(new TaskStateTime { State = row.Transitions[t].State, TimeNs = row.Transitions[t].TimeNs });
        }
        if (row.HasInfo)
        {
            record.Info = new TaskInfo
            {
                JobId = row.JobId.ToByteString(),
                Name = _rowNames[slot] ?? "",
                FuncOrClassName = _rowFunctions[slot] ?? "",
                Type = row.Type,
                ActorId = Bytes(row.ActorId),
                ParentTaskId = Bytes(row.ParentTaskId),
                RequiredResources = _rowResources[slot]?.Clone(),
            };
        }
        if (row.HasPlace)
        {
            record.Place = new TaskPlace { NodeId = Bytes(row.NodeId), WorkerId = Bytes(row.WorkerId), WorkerPid = row.WorkerPid };
        }
        if (_rowErrors[slot] is { } error)
        {
            record.Error = error.Clone();
        }
        return record;
    }

    private static ByteString Bytes(UniqueId id) => id.IsNil ? ByteString.Empty : id.ToByteString();

    /// <summary>An id from the wire: empty is nil; anything but 16 bytes is not an id (false, and nil).</summary>
    private static bool TryId(ByteString bytes, out UniqueId id) => TryId(bytes.Span, out id);

    private static bool TryId(ReadOnlySpan<byte> bytes, out UniqueId id)
    {
        if (bytes.Length is 0 or 16)
        {
            id = UniqueId.FromBytes(bytes);
            return true;
        }
        id = UniqueId.Nil;
        return false;
    }
}
