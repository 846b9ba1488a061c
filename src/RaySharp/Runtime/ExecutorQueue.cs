namespace RaySharp.Runtime;

/// <summary>
/// The queue in front of an executor thread (a worker's task executor, a threaded actor, an async actor's event loop):
/// consumer threads that sleep when the queue is empty (one, or a threaded actor's <c>MaxConcurrency</c>), and any
/// number of producers.
/// In place of <see cref="System.Collections.Concurrent.BlockingCollection{T}"/>, whose wait spins and yields the CPU
/// before it sleeps: on a paravirtualized machine each yield costs about as much as a task, and the executor spun on
/// every empty queue. Here a consumer sleeps at once (<see cref="Monitor.Wait(object)"/>), and a producer pulses only
/// when one sleeps. Measured (docs/benchmarks.md, Sitting 36): tasks sync +23%, tasks async +14%, actor calls +18%.
/// </summary>
internal sealed class ExecutorQueue<T>
{
    private readonly Queue<T> _items = new();
    private int _sleepers;

    /// <summary>Queues an item, waking a consumer if one sleeps.</summary>
    public void Add(T item)
    {
        lock (_items)
        {
            _items.Enqueue(item);
            if (_sleepers > 0)
            {
                Monitor.Pulse(_items);
            }
        }
    }

    /// <summary>Takes the oldest item without waiting.</summary>
    public bool TryTake(out T item)
    {
        lock (_items)
        {
            return _items.TryDequeue(out item!);
        }
    }

    /// <summary>Takes the oldest item, sleeping until one is added.</summary>
    public T Take()
    {
        lock (_items)
        {
            T item;
            while (!_items.TryDequeue(out item!))
            {
                // An Add pulses while anyone sleeps: each pulse wakes one sleeper, which counts itself out.
                _sleepers++;
                try
                {
                    Monitor.Wait(_items);
                }
                finally
                {
                    _sleepers--;
                }
            }
            return item;
        }
    }

    /// <summary>How many items wait.</summary>
    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Whether a queued item matches (the queue is held meanwhile: <paramref name="match"/> must not block).</summary>
    public bool Exists<TState>(TState state, Func<T, TState, bool> match)
    {
        lock (_items)
        {
            foreach (var item in _items)
            {
                if (match(item, state))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
