using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime.Generators;

/// <summary>
/// The owner's side of one streaming generator task (Ray's ObjectRefStream in the task manager): the items its
/// executor reported, in order, each already an owned object with a ref that keeps it alive until the caller takes
/// it; how many the caller consumed (sent back to the executor for back-pressure); and the task's own return,
/// which says how the stream ended — the item count, or the error that becomes the stream's last ref.
/// </summary>
internal sealed class GeneratorStream
{
    private readonly CoreWorker _worker;
    private readonly Func<ObjectId, ObjectRef> _newRef;
    private readonly string _functionName;
    private readonly ObjectEntry _end;
    private readonly Lock _lock = new();
    private readonly Queue<ObjectRef> _arrived = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _received;
    private long _consumed;
    private bool _closed;
    private bool _errorTaken;

    /// <param name="worker">The owner.</param>
    /// <param name="end">The task's own return (index 1), kept alive by <paramref name="endRef"/>.</param>
    /// <param name="endRef">The owner's ref to the task's own return.</param>
    /// <param name="newRef">Makes the caller's typed ref to an item (or to the error).</param>
    /// <param name="functionName">The generator function, for messages.</param>
    public GeneratorStream(CoreWorker worker, ObjectRef endRef, ObjectEntry end, Func<ObjectId, ObjectRef> newRef, string functionName)
    {
        _functionName = functionName;
        _worker = worker;
        EndRef = endRef;
        _end = end;
        _newRef = newRef;
        _end.Ready.ContinueWith(static (_, state) => ((GeneratorStream)state!).Signal(), this, TaskScheduler.Default);
    }

    public UniqueId TaskId => EndRef.Id.TaskId;

    /// <summary>The task's own return: Ray.Cancel of the stream cancels the task through it.</summary>
    public ObjectRef EndRef { get; }

    /// <summary>Finished for good: the executor reported its last item (or failed), or the stream was closed.</summary>
    public Task Ended => _end.Ready;

    /// <summary>Items the caller has taken.</summary>
    public long Consumed
    {
        get
        {
            lock (_lock)
            {
                return _consumed;
            }
        }
    }

    public bool Closed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    /// <summary>Completes at the next change: an item arrived or was taken, the task ended, or the stream closed.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>
    /// The executor reported item <paramref name="index"/>. Only the next one missing is kept: a retried attempt
    /// reports from 0 again, and what this stream already has (or anything after it closed) is let go.
    /// </summary>
    public void Offer(long index, ObjectValue value)
    {
        lock (_lock)
        {
            if (!_closed && index == _received && !_end.IsReady)
            {
                // The ref first: an owned object that no ref holds would never be freed. Its entry before it, so the ref
                // holds the entry and the store can hold it weakly (see MemoryStore).
                var id = ObjectId.FromByteString(value.ObjectId);
                _worker.Memory.AddPending(id, _functionName);
                _arrived.Enqueue(_newRef(id));
                _worker.CompleteOwned(value, _functionName);
                _received++;
                Signal(locked: true);
                return;
            }
        }
        Discard(_worker, value);
    }

    /// <summary>
    /// The caller's next ref: the next item, once reported; after the last one the error that ended the stream, if
    /// one did (its Get throws it, as Ray's next ref holds the error); then null.
    /// </summary>
    public async ValueTask<ObjectRef?> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (TryTake(out var next))
                {
                    if (next is not null)
                    {
                        // The executor hears of it: one more item may be produced.
                        Signal(locked: true);
                    }
                    return next;
                }
                changed = _changed.Task;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Under the lock: true with the next ref, true with null at the end, false while waiting.</summary>
    private bool TryTake(out ObjectRef? next)
    {
        next = null;
        if (_closed)
        {
            return true;
        }
        if (_arrived.TryDequeue(out next))
        {
            _consumed++;
            return true;
        }
        if (!_end.IsReady)
        {
            return false;
        }
        if (!_errorTaken && ObjectValues.TryGetError(_end.Ready.Result, out _))
        {
            _errorTaken = true;
            next = _newRef(EndRef.Id);
        }
        return true;
    }

    /// <summary>The caller let go: items not taken are freed, and the executor is told to stop (see <see cref="GeneratorStreams"/>).</summary>
    public void Close()
    {
        ObjectRef[] dropped;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            dropped = [.. _arrived];
            _arrived.Clear();
        }
        foreach (var reference in dropped)
        {
            reference.Dispose();
        }
        Signal();
    }

    /// <summary>An item nobody will take: held by a ref for a moment and let go, which frees its copy in the store.</summary>
    public static void Discard(CoreWorker worker, ObjectValue value)
    {
        var id = ObjectId.FromByteString(value.ObjectId);
        using var reference = new ObjectRef<Unit>(id, worker.Address);
        worker.CompleteOwned(value, id.ToString());
    }

    private void Signal(bool locked = false)
    {
        TaskCompletionSource changed;
        if (locked)
        {
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        else
        {
            lock (_lock)
            {
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        changed.TrySetResult();
    }
}
