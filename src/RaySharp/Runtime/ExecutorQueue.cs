using System.Diagnostics;
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
/// runtime's mutex and condition variable, and often waited for the lock its waker still held: Sitting 50).
/// After an item its caller submitted inline (alone, with nothing else in flight: a synchronous caller's pattern) a lone
/// consumer spins up to <see cref="SpinAfterInline"/> for the next before it sleeps. On a paravirtualized machine a
/// CPU that goes idle, and the wake of a sleeping thread, each cost tens of microseconds, and a synchronous caller's
/// next item comes a round trip later: the spin made synchronous tasks and actor calls 2.1–2.6× as fast (1.3–1.7× in
/// a slower machine state; docs/benchmarks.md, Sitting 51). After other items it sleeps at once: throughput workloads
/// keep every core busy, and a spin there took CPU from the submitter (tasks async −15 to −25%).
/// </summary>
internal sealed class ExecutorQueue<T>
{
    /// <summary>How long a lone consumer spins for the next item after one submitted inline.</summary>
    internal static readonly TimeSpan SpinAfterInline = TimeSpan.FromMicroseconds(60);

    // How often a spinning consumer yields its CPU: a thread runnable there (often the reader bringing the next item)
    // runs at once instead of at the end of the spin.
    private static readonly long s_yieldEvery = Stopwatch.Frequency / 100_000;
    private static readonly long s_spinTicks = (long)(SpinAfterInline.TotalSeconds * Stopwatch.Frequency);

    private readonly Queue<(T Item, bool SubmittedInline)> _items = new();

    // _items.Count, written under the lock and read by a spinning consumer without it.
    private volatile int _queued;

    // Whether the item a lone consumer took last was submitted inline (read and written under the lock, by consumers).
    private bool _spinNext;

    // The consumers asleep, the latest last: an Add takes one out and wakes it.
    private readonly List<ThreadParker> _sleepers = new(1);

    // Several consumers (a threaded actor's MaxConcurrency threads) sleep on the queue's monitor instead, counted here:
    // parked ones ran a concurrent actor's calls about a quarter slower (Sitting 50; not known why).
    private readonly bool _onMonitor;
    private int _monitorSleepers;

    /// <param name="consumers">How many threads take from the queue.</param>
    public ExecutorQueue(int consumers = 1) => _onMonitor = consumers > 1;

    /// <summary>Queues an item, waking a consumer if one sleeps.</summary>
    /// <param name="item">The item.</param>
    /// <param name="submittedInline">Its caller wrote it alone, with nothing else in flight (see <see cref="SpinAfterInline"/>).</param>
    public void Add(T item, bool submittedInline = false)
    {
        ThreadParker? sleeper = null;
        lock (_items)
        {
            _items.Enqueue((item, submittedInline));
            _queued = _items.Count;
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
            var taken = _items.TryDequeue(out var entry);
            _queued = _items.Count;
            item = entry.Item;
            return taken;
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
        var spun = false;
        try
        {
            while (true)
            {
                bool spin;
                lock (_items)
                {
                    if (parker is not null)
                    {
                        // Still listed after an early return from the park: an Add must not spend its wake on this consumer.
                        _sleepers.Remove(parker);
                    }
                    if (_items.TryDequeue(out var entry))
                    {
                        _queued = _items.Count;
                        _spinNext = entry.SubmittedInline;
                        return entry.Item;
                    }
                    parker ??= ThreadParker.ForCurrentThread;
                    spin = _spinNext && !spun;
                    if (!spin)
                    {
                        _sleepers.Add(parker);
                    }
                }
                if (spin)
                {
                    spun = true;
                    SpinForItem();
                    continue;
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

    // Pause instructions, and a yield every 10 µs; returns when an item is there or the spin's time is up.
    private void SpinForItem()
    {
        var now = Stopwatch.GetTimestamp();
        var until = now + s_spinTicks;
        var nextYield = now + s_yieldEvery;
        while (_queued == 0 && now < until)
        {
            Thread.SpinWait(20);
            now = Stopwatch.GetTimestamp();
            if (now >= nextYield)
            {
                Thread.Yield();
                nextYield = now + s_yieldEvery;
            }
        }
    }

    private T TakeOnMonitor()
    {
        lock (_items)
        {
            (T Item, bool) entry;
            while (!_items.TryDequeue(out entry))
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
            _queued = _items.Count;
            return entry.Item;
        }
    }

    /// <summary>How many consumers are listed asleep on their parkers (tests: a consumer past its spin).</summary>
    internal int ParkedConsumers
    {
        get
        {
            lock (_items)
            {
                return _sleepers.Count;
            }
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
            foreach (var (item, _) in _items)
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
