using System.Threading.Tasks.Sources;

namespace RaySharp.Runtime;

/// <summary>
/// Wakes the one loop that sends what piled up (an <see cref="ActorClient"/>'s call loop). Sets made while the loop is
/// busy coalesce into one wake: the loop takes everything ready each time it wakes, so the count a SemaphoreSlim keeps
/// only made it go round once more per call submitted, to find the queue empty. A wait allocates nothing (one reusable
/// waiter, no cancellation registration: the loop's owner registers one <see cref="Set"/> per token and checks the token
/// after each wake); the woken loop resumes on the pool, never on the thread that set (a caller submitting a call).
/// </summary>
internal sealed class WakeSignal : IValueTaskSource<bool>
{
    // System.Threading.Timer's longest due time.
    private const double MaxTimeoutMs = uint.MaxValue - 1.0;

    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private bool _set;
    private bool _waiting;
    // The timed wait in progress, if any: its deadline (Environment.TickCount64) and the one timer that ends it.
    private long _deadline = long.MaxValue;
    private Timer? _timer;

    /// <summary>Wakes the waiting loop, or the next wait when none waits now.</summary>
    public void Set()
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                _set = true;
                return;
            }
            _waiting = false;
            _deadline = long.MaxValue;
        }
        _waiter.SetResult(true);
    }

    /// <summary>Completes at the next <see cref="Set"/> (at once when one came since the last wait). One wait at a time.</summary>
    public ValueTask<bool> WaitAsync() => WaitAsync(Timeout.InfiniteTimeSpan);

    /// <summary>True at the next <see cref="Set"/>; false when <paramref name="timeout"/> passes first.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite) or too long for a timer.</exception>
    public ValueTask<bool> WaitAsync(TimeSpan timeout)
    {
        // Checked before any state changes: a timer that refused it would leave the signal waiting with nobody to end it.
        if (timeout != Timeout.InfiniteTimeSpan && (timeout < TimeSpan.Zero || timeout.TotalMilliseconds > MaxTimeoutMs))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"A wait's timeout is infinite or from 0 to {MaxTimeoutMs} ms.");
        }
        lock (_lock)
        {
            if (_set)
            {
                _set = false;
                return new ValueTask<bool>(true);
            }
            if (_waiting)
            {
                throw new InvalidOperationException("Only one wait at a time.");
            }
            _waiting = true;
            _waiter.Reset();
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                _deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
                // One timer for every timed wait: a wait that a set ended leaves it armed, and its late tick finds the
                // deadline of the wait in progress not yet passed (or no timed wait) and re-arms or does nothing.
                _timer ??= new Timer(static s => ((WakeSignal)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
                _timer.Change(timeout, Timeout.InfiniteTimeSpan);
            }
            return new ValueTask<bool>(this, _waiter.Version);
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (!_waiting || _deadline == long.MaxValue)
            {
                return;
            }
            var left = _deadline - Environment.TickCount64;
            if (left > 0)
            {
                _timer!.Change(TimeSpan.FromMilliseconds(left), Timeout.InfiniteTimeSpan);
                return;
            }
            _waiting = false;
            _deadline = long.MaxValue;
        }
        _waiter.SetResult(false);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);
}
