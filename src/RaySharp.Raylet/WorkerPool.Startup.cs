namespace RaySharp.Raylet;

/// <summary>
/// Startup slots: at most <see cref="RayletConfig.MaxStartupConcurrency"/> worker processes start at once (Ray's
/// maximum_startup_concurrency, the node's CPUs by default). A .NET worker costs ~0.3–0.5 CPU-seconds to start, and
/// without a bound 200 actor creations on a 2-core node launched ~200 at once (load average 344): the raylet, GCS
/// and driver sharing that machine got ~5% of a CPU for over a minute, their reports and keepalive pings stopped,
/// and the node or the driver was declared dead. Starts beyond the bound queue here, already counted in their
/// kind's Starting (so their waiters cause no second start), and go as earlier ones register or exit.
/// </summary>
public sealed partial class WorkerPool
{
    // Kinds with a start waiting for a slot, one entry per start, in order. Under _lock.
    private readonly Queue<Kind> _deferredStarts = new();

    // Slots taken: launches whose worker has not registered or exited yet. Under _lock.
    private int _launching;

    /// <summary>Starts waiting for a slot (memory admission budgets them as workers: no process of theirs is measured yet).</summary>
    internal int QueuedStarts
    {
        get
        {
            lock (_lock)
            {
                return _deferredStarts.Count;
            }
        }
    }

    private int MaxStartupConcurrency => _config.MaxStartupConcurrency > 0 ? _config.MaxStartupConcurrency : _config.DefaultMaxStartupConcurrency;

    /// <summary>Starts a worker of this kind when a slot is free, else queues the start. The caller counted it in the kind's Starting.</summary>
    private void Start(Kind kind)
    {
        lock (_lock)
        {
            if (_launching >= MaxStartupConcurrency)
            {
                _deferredStarts.Enqueue(kind);
                return;
            }
            _launching++;
        }
        Launch(kind);
    }

    /// <summary>Frees the worker's slot if it still holds one (it registered, exited, or took too long).</summary>
    private void FreeSlotOf(WorkerProcess worker)
    {
        lock (_lock)
        {
            if (!worker.HoldsStartupSlot)
            {
                return;
            }
            worker.HoldsStartupSlot = false;
        }
        ReleaseStartupSlot();
    }

    private async Task FreeSlotIfStuckAsync(WorkerProcess worker)
    {
        await Task.Delay(_config.StartupSlotTimeout).ConfigureAwait(false);
        FreeSlotOf(worker);
    }

    /// <summary>A slot is free: the next queued start takes it (outside the lock: a process start is a system call).</summary>
    private void ReleaseStartupSlot()
    {
        Kind? next = null;
        lock (_lock)
        {
            _launching--;
            if (_stopping)
            {
                // Nothing starts any more; the kinds' counts do not matter after the pool stopped.
                _deferredStarts.Clear();
            }
            else if (_deferredStarts.TryDequeue(out next))
            {
                _launching++;
            }
        }
        if (next is not null)
        {
            Launch(next);
        }
    }
}
