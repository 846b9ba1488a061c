namespace RaySharp.Runtime;

/// <summary>
/// The mailbox of a shared actor (<see cref="ActorIsolation.Shared"/>): its work runs on the thread pool,
/// in arrival order, at most <c>concurrency</c> items at once — no thread of its own, so an idle actor costs
/// a few hundred bytes. With a concurrency of 1 it is also the synchronization context of an async shared
/// actor: its continuations queue here, so its methods interleave only at awaits, as on an event loop.
/// </summary>
internal sealed class ActorMailbox : SynchronizationContext, IThreadPoolWorkItem
{
    /// <summary>Items one pool thread runs before it lets other actors' work go first.</summary>
    private const int Quantum = 32;

    private readonly Lock _lock = new();
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _items = new();
    private readonly int _concurrency;
    private int _running;

    public ActorMailbox(int concurrency) => _concurrency = Math.Max(1, concurrency);

    /// <summary>Work waits behind what runs now (a hint: more may be posted the next moment).</summary>
    public bool HasQueued
    {
        get
        {
            lock (_lock)
            {
                return _items.Count > 0;
            }
        }
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_lock)
        {
            _items.Enqueue((d, state));
            if (_running >= _concurrency)
            {
                return;
            }
            _running++;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("An actor's mailbox does not run work synchronously for other threads.");

    public override SynchronizationContext CreateCopy() => this;

    void IThreadPoolWorkItem.Execute()
    {
        var previous = Current;
        // A serial mailbox is the context its work continues on (async shared actors); a concurrent one is not.
        SetSynchronizationContext(_concurrency == 1 ? this : null);
        try
        {
            for (var n = 0; ; n++)
            {
                (SendOrPostCallback Callback, object? State) item;
                lock (_lock)
                {
                    if (_items.Count == 0)
                    {
                        _running--;
                        return;
                    }
                    if (n == Quantum)
                    {
                        // Fair to the other actors: this drainer's turn goes to the back of the pool's queue (it
                        // stays counted as running, so order within the mailbox is kept).
                        break;
                    }
                    item = _items.Dequeue();
                }
                item.Callback(item.State);
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }
}
