namespace RaySharp.Runtime;

/// <summary>
/// Waits until enough objects are ready: one listener per wait, registered on each pending entry
/// (<see cref="ObjectEntry.Listen"/>), so Wait and Get over thousands of refs stay linear and allocate
/// a constant amount, not a continuation and a token registration per ref.
/// </summary>
internal static class ReadyWaiter
{
    /// <summary>Completes with true once <paramref name="needed"/> entries are ready (or, with
    /// <paramref name="stopOnError"/>, once any fails), with false when the timeout passes first, and
    /// cancelled when <paramref name="cancellationToken"/> is cancelled first.</summary>
    public static Task<bool> WaitAsync(IReadOnlyList<ObjectEntry> entries, int needed, bool stopOnError, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        timeout = WithoutLimit(timeout);
        // Enough ready already (a Wait for fewer than all stops counting there; a Get looks at every entry for a failure).
        var ready = 0;
        var pending = false;
        foreach (var e in entries)
        {
            if (e.IsReady)
            {
                if (stopOnError && e.IsError)
                {
                    return Task.FromResult(true);
                }
                if (++ready >= needed)
                {
                    return Task.FromResult(true);
                }
            }
            else
            {
                pending = true;
            }
        }
        if (!pending)
        {
            return Task.FromResult(true);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            return Task.FromResult(false);
        }
        // Counted afresh: an entry ready now counts here, any other gets the listener (or counts here when it became
        // ready just before), so each entry is counted exactly once whichever way, however they race with this loop.
        var waiter = new Waiter(needed, stopOnError);
        foreach (var e in entries)
        {
            if (e.IsReady || !e.Listen(waiter))
            {
                waiter.OnReady(e);
            }
            if (waiter.Task.IsCompleted)
            {
                break;
            }
        }
        if (!waiter.Task.IsCompleted && (timeout is { } some && some != Timeout.InfiniteTimeSpan || cancellationToken.CanBeCanceled))
        {
            waiter.EndOn(entries, timeout, cancellationToken);
        }
        return waiter.Task;
    }

    /// <summary>
    /// The timeout to apply: null for none, also for <see cref="Timeout.InfiniteTimeSpan"/> (which the API accepts) and for
    /// one longer than a timer can count (~49.7 days), which would otherwise end a wait at once or throw.
    /// </summary>
    public static TimeSpan? WithoutLimit(TimeSpan? timeout) =>
        timeout is { } t && (t == Timeout.InfiniteTimeSpan || t >= s_longestTimer) ? null : timeout;

    private static readonly TimeSpan s_longestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>One wait: counts down as its entries become ready, and marks itself ended for them when it completes.</summary>
    private sealed class Waiter(int remaining, bool stopOnError) : ReadyListener
    {
        private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = remaining;
        private IReadOnlyList<ObjectEntry>? _entries;
        private CancellationToken _callerToken;

        public Task<bool> Task => _done.Task;

        public override void OnReady(ObjectEntry entry)
        {
            if (stopOnError && entry.IsError || Interlocked.Decrement(ref _remaining) == 0)
            {
                End(true);
            }
        }

        /// <summary>
        /// Ends the wait at the timeout or the token. A wait that ends so gives its objects up, which may stay pending for
        /// hours: it takes its listener off each of them then, so nothing of it stays reachable from them.
        /// </summary>
        public void EndOn(IReadOnlyList<ObjectEntry> entries, TimeSpan? timeout, CancellationToken cancellationToken)
        {
            _entries = entries;
            _callerToken = cancellationToken;
            var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Taken once: the source is disposed as soon as the wait ends.
            var endedToken = ended.Token;
            // Cancelled by the caller's token, or by the wait's own end (then GiveUp finds nothing left to do).
            endedToken.UnsafeRegister(static state => ((Waiter)state!).GiveUp(((Waiter)state!)._callerToken), this);
            if (timeout is { } limit && limit != Timeout.InfiniteTimeSpan)
            {
                _ = TimeOutAsync(this, limit, endedToken);
            }
            _done.Task.ContinueWith(
                static (_, state) =>
                {
                    var source = (CancellationTokenSource)state!;
                    source.Cancel();
                    source.Dispose();
                },
                ended,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        /// <summary>Enough are ready: the entries still holding this listener drop it at their next registration or completion.</summary>
        public void End(bool result)
        {
            Ended = true;
            _entries = null;
            _done.TrySetResult(result);
        }

        /// <summary>The timeout passed (null token) or the token was cancelled first.</summary>
        public void GiveUp(CancellationToken? cancelledBy)
        {
            Ended = true;
            if (Interlocked.Exchange(ref _entries, null) is { } entries)
            {
                foreach (var e in entries)
                {
                    e.Unlisten(this);
                }
            }
            if (cancelledBy is { } token)
            {
                _done.TrySetCanceled(token);
            }
            else
            {
                _done.TrySetResult(false);
            }
        }
    }

    /// <summary>
    /// Ends the wait when the timeout has passed by the stopwatch: .NET timers tick in whole
    /// milliseconds and can fire a little early, and a Wait must never return before its timeout.
    /// </summary>
    private static async Task TimeOutAsync(Waiter waiter, TimeSpan limit, CancellationToken ended)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var left = limit;
        while (left > TimeSpan.Zero && !ended.IsCancellationRequested)
        {
            await Task.Delay(left + TimeSpan.FromMilliseconds(1), ended).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            left = limit - System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }
        // Cancelled: the wait ended otherwise (ready, or the caller's token, which cancels it itself).
        if (!ended.IsCancellationRequested)
        {
            waiter.GiveUp(cancelledBy: null);
        }
    }
}
