namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An async actor for Ray.Cancel: its calls say when they start and sleep on their token.</summary>
public sealed class AsyncSleeper
{
    private int _finished;

    private int _cancelled;

    public async Task<int> SleepOnAmbientToken(string startedPath, int seconds)
    {
        await File.WriteAllTextAsync(startedPath, "started", CancellationToken.None);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), Ray.TaskCancellationToken);
        }
        catch (OperationCanceledException)
        {
            _cancelled++;
            throw;
        }
        return ++_finished;
    }

    /// <summary>How many sleeps on the ambient token ended cancelled.</summary>
    public Task<int> Cancelled() => Task.FromResult(_cancelled);

    public async Task<int> SleepOnParameterToken(string startedPath, int seconds, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(startedPath, "started", CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        return ++_finished;
    }

    /// <summary>Sleeps without looking at any token (an await Ray cancels all the same: asyncio raises at any await).</summary>
    public async Task<int> SleepIgnoringToken(string startedPath, int seconds)
    {
        await File.WriteAllTextAsync(startedPath, "started", CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(seconds), CancellationToken.None);
        return ++_finished;
    }

    /// <summary>How many sleeps ran to their end.</summary>
    public Task<int> Finished() => Task.FromResult(_finished);
}

/// <summary>A sync actor (one call at a time) whose calls wait for a file the test creates.</summary>
public sealed class SyncWaiter
{
    private int _runs;

    /// <summary>Writes <paramref name="startedPath"/>, waits (at most two minutes) for <paramref name="openPath"/> or its
    /// cancellation token (Ray's is_canceled()), and says which ended the wait.</summary>
    public string WaitForFile(string startedPath, string openPath)
    {
        File.WriteAllText(startedPath, "");
        var giveUp = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(openPath) && !Ray.TaskCancellationToken.IsCancellationRequested && DateTime.UtcNow < giveUp)
        {
            Thread.Sleep(20);
        }
        _runs++;
        return Ray.TaskCancellationToken.IsCancellationRequested ? "cancelled" : "not cancelled";
    }

    public int Runs() => _runs;

    private CancellationToken _waiting;

    /// <summary>Gets the value of the ref in <paramref name="refs"/> (inside a list: not resolved before the call).</summary>
    public int GetFirst(List<ObjectRef<int>> refs, string startedPath)
    {
        _waiting = Ray.TaskCancellationToken;
        File.WriteAllText(startedPath, "");
        return Ray.Get(refs[0]);
    }

    /// <summary>Whether the token of the call in <see cref="GetFirst"/> was signalled (another thread asks: SetMaxConcurrency(2)).</summary>
    public bool GetFirstCancelled() => _waiting.IsCancellationRequested;
}
