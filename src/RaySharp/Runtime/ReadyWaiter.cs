
namespace RaySharp.Runtime;

/// <summary>
/// Waits until enough objects are ready, in O(n) continuations rather than a WhenAny loop, so that
/// Wait and Get over thousands of refs stay linear.
/// </summary>
internal static class ReadyWaiter
{
    /// <summary>Completes with true once <paramref name="needed"/> entries are ready (or, with
    /// <paramref name="stopOnError"/>, once any fails), with false when the timeout passes first, and
    /// cancelled when <paramref name="cancellationToken"/> is cancelled first.</summary>
    public static Task<bool> WaitAsync(IReadOnlyList<ObjectEntry> entries, int needed, bool stopOnError, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var ready = 0;
        List<ObjectEntry>? pending = null;
        foreach (var e in entries)
        {
            if (e.IsReady)
            {
                if (stopOnError && IsFailure(e))
                {
                    return Task.FromResult(true);
                }
                ready++;
            }
            else
            {
                (pending ??= []).Add(e);
            }
        }
        if (ready >= needed || pending is null)
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
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Ends this wait's continuations and timer however the wait ends (enough ready, timed out, cancelled):
        // the objects it gives up on may stay pending for hours, and must not keep a dead wait alive meanwhile.
        var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Taken once: the source is disposed as soon as the wait ends, possibly while continuations are still being added.
        var endedToken = ended.Token;
        endedToken.UnsafeRegister(_ => done.TrySetCanceled(cancellationToken), null);
        var remaining = needed - ready;
        // Every entry not counted above gets a continuation, even one that became ready since:
        // its continuation then runs at once and counts it.
        foreach (var e in pending)
        {
            e.Ready.ContinueWith(
                (task, _) =>
                {
                    if (stopOnError && (task.IsFaulted || IsErrorValue(task)))
                    {
                        done.TrySetResult(true);
                    }
                    else if (Interlocked.Decrement(ref remaining) == 0)
                    {
                        done.TrySetResult(true);
                    }
                },
                null,
                endedToken,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        if (timeout is { } limit && limit != Timeout.InfiniteTimeSpan)
        {
            _ = TimeOutAsync(done, limit, endedToken);
        }
        done.Task.ContinueWith(
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
        return done.Task;
    }

    /// <summary>
    /// Ends the wait when the timeout has passed by the stopwatch: .NET timers tick in whole
    /// milliseconds and can fire a little early, and a Wait must never return before its timeout.
    /// </summary>
    private static async Task TimeOutAsync(TaskCompletionSource<bool> done, TimeSpan limit, CancellationToken ended)
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
            done.TrySetResult(false);
        }
    }

    private static bool IsFailure(ObjectEntry e) => e.Ready.IsFaulted || e.IsError;

    private static bool IsErrorValue(Task<Protocol.ObjectValue> task) =>
        task.IsCompletedSuccessfully && task.Result.Inline is { Format: Protocol.PayloadFormat.Error };
}
