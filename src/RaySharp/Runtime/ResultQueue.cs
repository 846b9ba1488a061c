using System.Threading.Tasks.Sources;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The finished results of one pushed-task stream, read by its one writer loop (<see cref="TaskExecutor"/>). In place of
/// an unbounded channel: one lock, one reusable waiter, and a worker loads no System.Threading.Channels for it
/// (~0.25 MiB resident in every idle actor worker, issue 17's worker-start bench).
/// The waiting reader resumes synchronously on the writing thread: the executing thread hands a result straight to
/// the writer loop, which saves a thread-pool hop per task on the <c>Get(f.Remote())</c> path. When more tasks wait
/// behind the one that finished, the writer is woken on the pool instead (<c>wakeOnPool</c>): the executor goes on at
/// once, and the results that finish while the writer wakes go out with it in one batch, so the owner's reader wakes
/// once per batch rather than once per task (tasks async +39%, actor calls async +47%: docs/benchmarks.md, Sitting 37).
/// </summary>
internal sealed class ResultQueue : IValueTaskSource<bool>, IThreadPoolWorkItem
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskResult> _items = new();
    private ManualResetValueTaskSourceCore<bool> _waiter;
    private bool _waiting;
    private bool _completed;

    /// <summary>
    /// Adds a result, waking the waiting reader (on this thread, or on the pool when <paramref name="wakeOnPool"/>);
    /// false once the queue is complete (the result is dropped).
    /// </summary>
    public bool TryWrite(TaskResult result, bool wakeOnPool = false)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return false;
            }
            _items.Enqueue(result);
            if (!_waiting)
            {
                return true;
            }
            _waiting = false;
        }
        if (wakeOnPool)
        {
            // The queue itself is the work item (at most one wake is pending: _waiting is false until the writer waits
            // again), so a wake allocates nothing.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            _waiter.SetResult(true);
        }
        return true;
    }

    /// <summary>Ends the queue: the reader reads what is left, then its wait returns false.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            if (!_waiting)
            {
                return;
            }
            _waiting = false;
        }
        // A reader waits only on an empty queue, and nothing is added after completion.
        _waiter.SetResult(false);
    }

    /// <summary>True when a result can be read; false once the queue is complete and empty. One reader at a time.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_lock)
        {
            if (_items.Count > 0)
            {
                return new ValueTask<bool>(true);
            }
            if (_completed)
            {
                return new ValueTask<bool>(false);
            }
            if (_waiting)
            {
                throw new InvalidOperationException("Only one read may wait at a time.");
            }
            _waiting = true;
            _waiter.Reset();
            return new ValueTask<bool>(this, _waiter.Version);
        }
    }

    /// <summary>Moves up to <paramref name="max"/> results into <paramref name="batch"/> (one lock for them all).</summary>
    public void ReadInto(Google.Protobuf.Collections.RepeatedField<TaskResult> batch, int max)
    {
        lock (_lock)
        {
            while (batch.Count < max && _items.TryDequeue(out var result))
            {
                batch.Add(result);
            }
        }
    }

    /// <summary>The pool's wake of the waiting writer (<see cref="TryWrite"/> with wakeOnPool).</summary>
    void IThreadPoolWorkItem.Execute() => _waiter.SetResult(true);

    /// <summary>True while the writer waits for a result (for tests).</summary>
    internal bool IsWaiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting;
            }
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);
}
