namespace RaySharp.Util;

/// <summary>
/// The actor behind a <see cref="RayQueue{T}"/> (Ray's <c>_QueueActor</c> over an <c>asyncio.Queue</c>). Its async
/// methods make it an async actor: its calls run on one event loop and interleave at awaits, so a get that waits
/// for an item does not stop the put that brings it. Waiting getters and putters are served first come, first served.
/// </summary>
/// <remarks>
/// A timed-out or cancelled waiter leaves the line under the same lock that hands items over, so an item is either
/// given to exactly one waiter or stays in the queue: nothing is lost or delivered twice.
/// </remarks>
/// <typeparam name="T">The items' type.</typeparam>
internal sealed class QueueActor<T>
{
    private static readonly TimeSpan s_longestDelay = TimeSpan.FromMilliseconds(int.MaxValue - 1);
    private readonly Lock _lock = new();
    private readonly Queue<T> _items = new();
    private readonly LinkedList<TaskCompletionSource<T>> _getters = new();
    private readonly LinkedList<(T Item, TaskCompletionSource<bool> Done)> _putters = new();

    public QueueActor(int maxSize)
    {
        MaxSize = maxSize;
    }

    /// <summary>0 for no bound.</summary>
    public int MaxSize { get; }

    public int Size()
    {
        lock (_lock)
        {
            return _items.Count;
        }
    }

    public bool Full()
    {
        lock (_lock)
        {
            return IsFull;
        }
    }

    /// <summary>Adds the item, waiting up to the timeout (null: no limit) for room; false when it timed out.</summary>
    public async Task<bool> PutAsync(T item, TimeSpan? timeout)
    {
        var cancellation = Ray.TaskCancellationToken;
        LinkedListNode<(T, TaskCompletionSource<bool>)> node;
        lock (_lock)
        {
            if (!IsFull)
            {
                Offer(item);
                return true;
            }
            if (timeout == TimeSpan.Zero)
            {
                return false;
            }
            node = _putters.AddLast((item, NewCompletion<bool>()));
        }
        await WaitAsync(node.Value.Item2.Task, timeout, cancellation);
        lock (_lock)
        {
            if (node.Value.Item2.Task.IsCompleted)
            {
                return true;
            }
            _putters.Remove(node);
        }
        cancellation.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>Adds the item if there is room; false when the queue is full.</summary>
    public bool PutNowait(T item)
    {
        lock (_lock)
        {
            if (IsFull)
            {
                return false;
            }
            Offer(item);
            return true;
        }
    }

    /// <summary>Adds all the items in order, or none when they do not all fit; false then.</summary>
    public bool PutNowaitBatch(List<T> items)
    {
        lock (_lock)
        {
            if (MaxSize > 0 && _items.Count + items.Count > MaxSize)
            {
                return false;
            }
            foreach (var item in items)
            {
                Offer(item);
            }
            return true;
        }
    }

    /// <summary>Takes the next item, waiting up to the timeout (null: no limit) for one: one item, or none when it timed out.</summary>
    public async Task<List<T>> GetAsync(TimeSpan? timeout)
    {
        var cancellation = Ray.TaskCancellationToken;
        LinkedListNode<TaskCompletionSource<T>> node;
        lock (_lock)
        {
            if (_items.Count > 0)
            {
                return [Take()];
            }
            if (timeout == TimeSpan.Zero)
            {
                return [];
            }
            node = _getters.AddLast(NewCompletion<T>());
        }
        await WaitAsync(node.Value.Task, timeout, cancellation);
        lock (_lock)
        {
            if (node.Value.Task.IsCompleted)
            {
                return [node.Value.Task.Result];
            }
            _getters.Remove(node);
        }
        cancellation.ThrowIfCancellationRequested();
        return [];
    }

    /// <summary>Takes the next item if there is one: one item, or none.</summary>
    public List<T> GetNowait()
    {
        lock (_lock)
        {
            return _items.Count > 0 ? [Take()] : [];
        }
    }

    /// <summary>Takes <paramref name="count"/> items in order, or none (null) when fewer are there.</summary>
    public List<T>? GetNowaitBatch(int count)
    {
        lock (_lock)
        {
            if (count > _items.Count)
            {
                return null;
            }
            var taken = new List<T>(count);
            for (var i = 0; i < count; i++)
            {
                taken.Add(Take());
            }
            return taken;
        }
    }

    private bool IsFull => MaxSize > 0 && _items.Count >= MaxSize;

    // Under the lock: a waiting getter gets the item straight away (the queue is empty then), else it is queued.
    private void Offer(T item)
    {
        if (_getters.First is { } getter)
        {
            _getters.RemoveFirst();
            getter.Value.SetResult(item);
            return;
        }
        _items.Enqueue(item);
    }

    // Under the lock: the head item; the first waiting putter's item takes the room it leaves.
    private T Take()
    {
        var item = _items.Dequeue();
        if (_putters.First is { } putter)
        {
            _putters.RemoveFirst();
            _items.Enqueue(putter.Value.Item);
            putter.Value.Done.SetResult(true);
        }
        return item;
    }

    // Continuations never run inside the lock of the call that completes them.
    private static TaskCompletionSource<TResult> NewCompletion<TResult>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task WaitAsync(Task handedOver, TimeSpan? timeout, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        // Task.Delay takes at most ~24.8 days; a longer timeout is no limit in practice.
        var limit = timeout is { } t && t < s_longestDelay ? t : Timeout.InfiniteTimeSpan;
        var expiry = Task.Delay(limit, stop.Token);
        await Task.WhenAny(handedOver, expiry);
        // Ends the timer of a wait that was served before its timeout.
        await stop.CancelAsync();
    }
}
