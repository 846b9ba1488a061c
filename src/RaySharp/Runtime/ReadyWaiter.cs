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
        }
        if (ready >= needed)
        {
            return Task.FromResult(true);
        }
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            return Task.FromResult(false);
        }
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var remaining = needed - ready;
        foreach (var e in entries)
        {
            if (e.IsReady)
            {
                continue;
            }
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
            var cts = new CancellationTokenSource(limit);
            cts.Token.Register(() => done.TrySetResult(false));
            done.Task.ContinueWith(_ => cts.Dispose(), TaskScheduler.Default);
        }
        return done.Task;
    }

    private static bool IsFailure(ObjectEntry e) => e.Ready.IsFaulted || e.IsError;

    private static bool IsErrorValue(Task<Protocol.ObjectValue> task) =>
        task.IsCompletedSuccessfully && task.Result.Inline is { Format: Protocol.PayloadFormat.Error };
}
