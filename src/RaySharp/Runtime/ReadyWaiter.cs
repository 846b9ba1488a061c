
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
        var remaining = needed - ready;
        // A wait that can end while its objects stay pending for hours (a timeout, a token, or a Wait for fewer than
        // all) ends its continuations and timer then, so that a dead wait is not kept alive meanwhile (a Wait loop over
        // the rest of a list would otherwise pile them up). One that needs every pending object and has neither (a
        // plain Get) ends only when they are ready, or at the first error, and its continuations go with those
        // objects: it skips the linked source and a registration per object.
        var endable = timeout is { } some && some != Timeout.InfiniteTimeSpan || cancellationToken.CanBeCanceled || remaining < pending.Count;
        var ended = endable ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        // Taken once: the source is disposed as soon as the wait ends, possibly while continuations are still being added.
        var endedToken = ended?.Token ?? CancellationToken.None;
        if (ended is not null)
        {
            endedToken.UnsafeRegister(_ => done.TrySetCanceled(cancellationToken), null);
        }
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
        if (ended is null)
        {
            return done.Task;
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
