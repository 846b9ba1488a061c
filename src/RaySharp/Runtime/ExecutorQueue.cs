using RaySharp.Common.Processes;

namespace RaySharp.Runtime;

/// <summary>
/// The queue in front of an executor thread (a worker's task executor, a threaded actor, an async actor's event loop):
/// consumer threads that sleep when the queue is empty (one, or a threaded actor's <c>MaxConcurrency</c>), and any
/// number of producers.
/// In place of <see cref="System.Collections.Concurrent.BlockingCollection{T}"/>, whose wait spins and yields the CPU
/// before it sleeps: on a paravirtualized machine each yield costs about as much as a task, and the executor spun on
/// every empty queue (docs/benchmarks.md, Sitting 36: tasks sync +23%, tasks async +14%, actor calls +18%). Here a
/// producer wakes a consumer only when one sleeps. A lone consumer sleeps on its own <see cref="ThreadParker"/>, woken
/// after the producer has let the queue's lock go (with Monitor.Wait and Pulse the woken thread went through the
/// runtime's mutex and condition variable, and often waited for the lock its waker still held: Sitting 50). It sleeps
/// at once: a spin of up to 10 µs while items streamed in showed no gain the spread let one see.
/// </summary>
internal sealed class ExecutorQueue<T>
{
    private readonly Queue<T> _items = new();

    // The consumers asleep, the latest last: an Add takes one out and wakes it.
    private readonly List<ThreadParker> _sleepers = new(1);

    // Several consumers (a threaded actor's MaxConcurrency threads) sleep on the queue's monitor instead, counted here:
    // parked ones ran a concurrent actor's calls about a quarter slower (Sitting 50; not known why).
    private readonly bool _onMonitor;
    private int _monitorSleepers;

    /// <param name="consumers">How many threads take from the queue.</param>
    public ExecutorQueue(int consumers = 1) => _onMonitor = consumers > 1;

    /// <summary>Queues an item, waking a consumer if one sleeps.</summary>
    public void Add(T item)
    {
        ThreadParker? sleeper = null;
        lock (_items)
        {
            _items.Enqueue(item);
            if (_onMonitor)
            {
                if (_monitorSleepers > 0)
                {
                    Monitor.Pulse(_items);
                }
            }
            else if (_sleepers.Count > 0)
            {
                sleeper = _sleepers[^1];
                _sleepers.RemoveAt(_sleepers.Count - 1);
            }
        }
        sleeper?.Unpark();
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
        if (_onMonitor)
        {
            return TakeOnMonitor();
        }
        ThreadParker? parker = null;
        try
        {
            while (true)
            {
                lock (_items)
                {
                    if (parker is not null)
                    {
                        // Still listed after an early return from the park: an Add must not spend its wake on this consumer.
                        _sleepers.Remove(parker);
                    }
                    if (_items.TryDequeue(out var item))
                    {
                        return item;
                    }
                    parker ??= ThreadParker.ForCurrentThread;
                    _sleepers.Add(parker);
                }
                parker.Park(Timeout.InfiniteTimeSpan);
            }
        }
        catch when (parker is not null)
        {
            // An interrupt (a contended lock's wait, the Monitor fallback's park) can leave this consumer listed: leave
            // no listing behind for an Add to spend its wake on.
            lock (_items)
            {
                _sleepers.Remove(parker);
            }
            throw;
        }
    }

    private T TakeOnMonitor()
    {
        lock (_items)
        {
            T item;
            while (!_items.TryDequeue(out item!))
            {
                // An Add pulses while anyone sleeps: each pulse wakes one sleeper, which counts itself out.
                _monitorSleepers++;
                try
                {
                    Monitor.Wait(_items);
                }
                finally
                {
                    _monitorSleepers--;
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
