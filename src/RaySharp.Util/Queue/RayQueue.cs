namespace RaySharp.Util;

/// <summary>
/// A first-in, first-out queue shared across the cluster (Ray's <c>ray.util.queue.Queue</c>): an actor holds the
/// items, and this object is a handle to it. Pass it to tasks and actors like any value — it travels as the actor's
/// handle — so producers and consumers in other processes and on other nodes use the same queue.
/// </summary>
/// <remarks>
/// A blocking <see cref="Put"/> on a full queue waits for room, a blocking <see cref="Get"/> on an empty one waits for
/// an item, each up to its timeout; the wait happens in the queue's actor, so waiting callers do not poll. Every item
/// put is taken by exactly one get. With several producers (or consumers) waiting at once, the order among them is
/// first come, first served at the actor. The actor lives while a handle to it does (this object or a copy of it in
/// another process), or until <see cref="Shutdown"/>.
/// </remarks>
/// <example>
/// <code>
/// var queue = new RayQueue&lt;int&gt;(maxSize: 100);
/// Ray.Task(Produce, queue, 1000).Remote();          // static void Produce(RayQueue&lt;int&gt; q, int n) { for (...) q.Put(i); }
/// int first = queue.Get(timeout: TimeSpan.FromSeconds(10));
/// </code>
/// </example>
/// <typeparam name="T">The items' type; items are serialized as task arguments are.</typeparam>
public sealed class RayQueue<T>
{
    /// <summary>Creates the queue and its actor.</summary>
    /// <param name="maxSize">The most items the queue holds; 0 (the default) or less for no bound, as Ray's <c>maxsize</c>.</param>
    /// <param name="actorOptions">Options for the queue's actor (Ray's <c>actor_options</c>), e.g. resources it holds or a name; null for none.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public RayQueue(int maxSize = 0, ActorOptions? actorOptions = null)
    {
        maxSize = Math.Max(0, maxSize);
        MaxSize = maxSize;
        var creator = Ray.Actor<int, QueueActor<T>>(QueueCalls.Create<T>, maxSize);
        Handle = (actorOptions ?? new ActorOptions()).ApplyTo(creator).Remote();
    }

    // How a copy is rebuilt in the process that receives it (MessagePack matches these parameters to the members).
    private RayQueue(ActorHandle<QueueActor<T>> handle, int maxSize)
    {
        Handle = handle;
        MaxSize = maxSize;
    }

    /// <summary>The most items the queue holds; 0 for no bound.</summary>
    public int MaxSize { get; }

    /// <summary>The queue's actor: the one field a copy of this object carries besides <see cref="MaxSize"/>.</summary>
    private ActorHandle<QueueActor<T>> Handle { get; }

    /// <summary>The id of the queue's actor, in hex.</summary>
    [System.Runtime.Serialization.IgnoreDataMember]
    public string ActorId => Handle.ActorId;

    /// <summary>The number of items in the queue now (Ray's <c>size</c> and <c>qsize</c>).</summary>
    /// <returns>The number of items.</returns>
    public int Size() => Ray.Get(Handle.Task(QueueCalls.Size<T>).Remote());

    /// <summary>Whether the queue holds no item now.</summary>
    /// <returns>True when empty.</returns>
    public bool Empty() => Size() == 0;

    /// <summary>Whether the queue is bounded and holds <see cref="MaxSize"/> items now.</summary>
    /// <returns>True when full.</returns>
    public bool Full() => Ray.Get(Handle.Task(QueueCalls.Full<T>).Remote());

    /// <summary>
    /// Adds an item. With <paramref name="block"/> (the default), waits for room when the queue is full, up to
    /// <paramref name="timeout"/>; without, fails at once on a full queue (and ignores the timeout).
    /// </summary>
    /// <param name="item">The item.</param>
    /// <param name="block">Whether to wait for room.</param>
    /// <param name="timeout">The longest wait; null (or <see cref="Timeout.InfiniteTimeSpan"/>) waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/> unless the item got in first.</param>
    /// <exception cref="QueueFullException">The queue was full and stayed full for the whole wait (or <paramref name="block"/> is false).</exception>
    /// <exception cref="ArgumentException"><paramref name="timeout"/> is negative.</exception>
    public void Put(T item, bool block = true, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = CheckTimeout(timeout);
        var added = block
            ? QueueWait.Result(Handle.Task(QueueCalls.Put<T>, item, wait).Remote(), cancellationToken)
            : Ray.Get(Handle.Task(QueueCalls.PutNowait<T>, item).Remote());
        if (!added)
        {
            throw Full(block, wait);
        }
    }

    /// <summary>As <see cref="Put"/>, without blocking a thread while the queue's actor waits for room.</summary>
    /// <param name="item">The item.</param>
    /// <param name="block">Whether to wait for room.</param>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/> unless the item got in first.</param>
    /// <returns>A task that completes once the item is in the queue, or fails with <see cref="QueueFullException"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="timeout"/> is negative (thrown at the call).</exception>
    public Task PutAsync(T item, bool block = true, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = CheckTimeout(timeout);
        var call = block ? Handle.Task(QueueCalls.Put<T>, item, wait).Remote() : Handle.Task(QueueCalls.PutNowait<T>, item).Remote();
        return Finish(call);

        async Task Finish(ObjectRef<bool> reference)
        {
            if (!await QueueWait.ResultAsync(reference, cancellationToken).ConfigureAwait(false))
            {
                throw Full(block, wait);
            }
        }
    }

    /// <summary>
    /// Takes the next item. With <paramref name="block"/> (the default), waits for one when the queue is empty, up to
    /// <paramref name="timeout"/>; without, fails at once on an empty queue (and ignores the timeout).
    /// </summary>
    /// <param name="block">Whether to wait for an item.</param>
    /// <param name="timeout">The longest wait; null (or <see cref="Timeout.InfiniteTimeSpan"/>) waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; an item the queue handed over first is returned instead, never lost.</param>
    /// <returns>The item.</returns>
    /// <exception cref="QueueEmptyException">The queue was empty and stayed empty for the whole wait (or <paramref name="block"/> is false).</exception>
    /// <exception cref="ArgumentException"><paramref name="timeout"/> is negative.</exception>
    public T Get(bool block = true, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = CheckTimeout(timeout);
        var taken = block
            ? QueueWait.Result(Handle.Task(QueueCalls.Get<T>, wait).Remote(), cancellationToken)
            : Ray.Get(Handle.Task(QueueCalls.GetNowait<T>).Remote());
        return taken.Count == 1 ? taken[0] : throw Empty(block, wait);
    }

    /// <summary>As <see cref="Get"/>, without blocking a thread while the queue's actor waits for an item.</summary>
    /// <param name="block">Whether to wait for an item.</param>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; an item the queue handed over first is returned instead.</param>
    /// <returns>A task that completes with the item, or fails with <see cref="QueueEmptyException"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="timeout"/> is negative (thrown at the call).</exception>
    public Task<T> GetAsync(bool block = true, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = CheckTimeout(timeout);
        var call = block ? Handle.Task(QueueCalls.Get<T>, wait).Remote() : Handle.Task(QueueCalls.GetNowait<T>).Remote();
        return Finish(call);

        async Task<T> Finish(ObjectRef<List<T>> reference)
        {
            var taken = await QueueWait.ResultAsync(reference, cancellationToken).ConfigureAwait(false);
            return taken.Count == 1 ? taken[0] : throw Empty(block, wait);
        }
    }

    /// <summary>Adds an item if there is room now: <c>Put(item, block: false)</c>.</summary>
    /// <param name="item">The item.</param>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    public void PutNowait(T item) => Put(item, block: false);

    /// <summary>Adds the items in order if they all fit now; otherwise adds none (Ray's <c>put_nowait_batch</c>).</summary>
    /// <param name="items">The items.</param>
    /// <exception cref="QueueFullException">They do not all fit.</exception>
    public void PutNowaitBatch(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        List<T> batch = [.. items];
        if (!Ray.Get(Handle.Task(QueueCalls.PutNowaitBatch<T>, batch).Remote()))
        {
            throw new QueueFullException($"Cannot add {batch.Count} items to a queue of maxSize {MaxSize}: they do not all fit now.");
        }
    }

    /// <summary>Takes the next item if there is one now: <c>Get(block: false)</c>.</summary>
    /// <returns>The item.</returns>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    public T GetNowait() => Get(block: false);

    /// <summary>Takes <paramref name="count"/> items in order if that many are there now; otherwise takes none (Ray's <c>get_nowait_batch</c>).</summary>
    /// <param name="count">How many items; 0 or more.</param>
    /// <returns>The items, in queue order.</returns>
    /// <exception cref="QueueEmptyException">Fewer than <paramref name="count"/> items are in the queue.</exception>
    /// <exception cref="ArgumentException"><paramref name="count"/> is negative.</exception>
    public T[] GetNowaitBatch(int count)
    {
        if (count < 0)
        {
            throw new ArgumentException($"count must not be negative, not {count}.", nameof(count));
        }
        return Ray.Get(Handle.Task(QueueCalls.GetNowaitBatch<T>, count).Remote())?.ToArray()
            ?? throw new QueueEmptyException($"Cannot get {count} items from the queue: fewer are in it now.");
    }

    /// <summary>
    /// Ends the queue's actor and releases what it holds (Ray's <c>shutdown</c>): at once with <paramref name="force"/>,
    /// otherwise by asking it to exit and killing it if it has not within <paramref name="gracePeriod"/>. Items still in
    /// the queue are lost, and calls from any copy of this queue fail with <see cref="RayActorException"/> afterwards.
    /// </summary>
    /// <param name="force">Kill the actor without asking.</param>
    /// <param name="gracePeriod">How long to wait for the actor to exit; null for Ray's 5 s.</param>
    public void Shutdown(bool force = false, TimeSpan? gracePeriod = null)
    {
        var grace = gracePeriod ?? TimeSpan.FromSeconds(5);
        if (grace < TimeSpan.Zero)
        {
            throw new ArgumentException($"gracePeriod must not be negative ({grace}).", nameof(gracePeriod));
        }
        if (!force)
        {
            var exit = Handle.Task(QueueCalls.Terminate<T>).Remote();
            try
            {
                if (Ray.Wait([exit], 1, grace).Ready.Count == 1)
                {
                    ExitCalls.Settle([exit]);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                // Shut down from a cancelled task (whose token ends its waits): the kill below still ends the actor.
            }
        }
        Ray.Kill(Handle, noRestart: true);
    }

    /// <inheritdoc/>
    public override string ToString() => $"RayQueue({Handle.ActorId}, maxSize {MaxSize})";

    private static TimeSpan? CheckTimeout(TimeSpan? timeout)
    {
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan)
        {
            return null;
        }
        return t >= TimeSpan.Zero ? t : throw new ArgumentException($"A timeout must not be negative ({t}).", nameof(timeout));
    }

    private QueueFullException Full(bool block, TimeSpan? wait) => new(block
        ? $"The queue (maxSize {MaxSize}) stayed full for {wait}."
        : $"The queue is full (maxSize {MaxSize}).");

    private static QueueEmptyException Empty(bool block, TimeSpan? wait) => new(block
        ? $"The queue stayed empty for {wait}."
        : "The queue is empty.");
}
