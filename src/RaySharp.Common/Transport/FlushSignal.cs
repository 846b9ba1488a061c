namespace RaySharp.Common.Transport;

/// <summary>
/// Wakes a batching sender's loop before its interval: the task event buffers of workers and drivers, and the raylet's
/// forwarder, send once a second or as soon as a batch's worth waits, whichever comes first. Setting it while a wake-up
/// is already due does nothing, so the hot path that crosses the size pays for one lock at most. One loop waits on it
/// at a time.
/// </summary>
/// <remarks>
/// Not a SemaphoreSlim waited with a timeout: its timed wait ends through Task.WaitAsync, which completes an inner task
/// with a TimeoutException at every interval that passes without a set (suppressed, never seen by the caller). The
/// first one reads its message from CoreLib's resources: ResourceManager, the resource reader, the UI culture and the
/// exception dispatch code, ~0.3 MiB resident in every worker whose event loop woke once (an idle actor's worker).
/// Here the interval's timer completes the wait itself, and nothing is thrown unless the wait is cancelled.
/// </remarks>
internal sealed class FlushSignal
{
    private readonly Lock _lock = new();

    // A set while no loop waits: the next wait returns at once.
    private bool _due;

    // The loop's wait in progress. Whoever takes it out (a set, the interval's timer, the cancellation) completes it,
    // so a set never lands on a wait that already ended and is never lost.
    private TaskCompletionSource? _waiter;

    /// <summary>A flush is due now.</summary>
    public void Set()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            if (waiter is null)
            {
                _due = true;
                return;
            }
        }
        waiter.TrySetResult();
    }

    /// <summary>Waits until <see cref="Set"/> or <paramref name="interval"/>, whichever comes first.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled first.</exception>
    public Task WaitAsync(TimeSpan interval, CancellationToken cancellation)
    {
        if (cancellation.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellation);
        }
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_due)
            {
                _due = false;
                return Task.CompletedTask;
            }
            // Continuations run off the setter's thread: a set on the task path never runs the loop's flush inline.
            waiter = _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        return WaitCoreAsync(waiter, interval, cancellation);
    }

    private async Task WaitCoreAsync(TaskCompletionSource waiter, TimeSpan interval, CancellationToken cancellation)
    {
        using var timer = interval == Timeout.InfiniteTimeSpan ? null : new Timer(static state =>
        {
            var (signal, w) = ((FlushSignal, TaskCompletionSource))state!;
            signal.Take(w)?.TrySetResult();
        }, (this, waiter), interval, Timeout.InfiniteTimeSpan);
        using var registration = cancellation.UnsafeRegister(static (state, token) =>
        {
            var (signal, w) = ((FlushSignal, TaskCompletionSource))state!;
            signal.Take(w)?.TrySetCanceled(token);
        }, (this, waiter));
        await waiter.Task.ConfigureAwait(false);
    }

    // The wait, if it is still the one in progress (taken out so that exactly one party completes it); else null.
    private TaskCompletionSource? Take(TaskCompletionSource waiter)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_waiter, waiter))
            {
                return null;
            }
            _waiter = null;
            return waiter;
        }
    }
}
