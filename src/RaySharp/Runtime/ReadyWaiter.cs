namespace RaySharp.Runtime;

/// <summary>
/// Waits until enough objects are ready, in O(n) continuations rather than a WhenAny loop, so that
/// Wait and Get over thousands of refs stay linear.
/// </summary>
internal static class ReadyWaiter
{
    /// <summary>Completes with true once <paramref name="needed"/> entries are ready (or, with
    /// <paramref name="stopOnError"/>, once any fails), with false when the timeout passes first.</summary>
    public static Task<bool> WaitAsync(IReadOnlyList<ObjectEntry> entries, int needed, bool stopOnError, TimeSpan? timeout)
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
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            return Task.FromResult(false);
        }
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
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
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        if (timeout is { } limit && limit != Timeout.InfiniteTimeSpan)
        {
            _ = TimeOutAsync(done, limit);
        }
        return done.Task;
    }

    /// <summary>
    /// Ends the wait when the timeout has passed by the stopwatch: .NET timers tick in whole
    /// milliseconds and can fire a little early, and a Wait must never return before its timeout.
    /// </summary>
    private static async Task TimeOutAsync(TaskCompletionSource<bool> done, TimeSpan limit)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var left = limit;
        while (left > TimeSpan.Zero && !done.Task.IsCompleted)
        {
            await Task.WhenAny(done.Task, Task.Delay(left + TimeSpan.FromMilliseconds(1))).ConfigureAwait(false);
            left = limit - System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }
        done.TrySetResult(false);
    }

    private static bool IsFailure(ObjectEntry e) => e.Ready.IsFaulted || e.IsError;

    private static bool IsErrorValue(Task<Protocol.ObjectValue> task) =>
        task.IsCompletedSuccessfully && task.Result.Inline is { Format: Protocol.PayloadFormat.Error };
}
