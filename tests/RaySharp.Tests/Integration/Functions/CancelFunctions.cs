namespace RaySharp.Tests.Integration.Functions;

/// <summary>Tasks for Ray.Cancel: each says when it has started by writing a file the test waits for.</summary>
public static class CancelFunctions
{
    /// <summary>Sleeps, but wakes when Ray.Cancel reaches it.</summary>
    public static async Task<int> SleepCancellable(string startedPath, int seconds)
    {
        await File.WriteAllTextAsync(startedPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Task.Delay(TimeSpan.FromSeconds(seconds), Ray.TaskCancellationToken);
        return seconds;
    }

    /// <summary>Sleeps without looking at its token: only a forced cancel ends it early.</summary>
    public static int SleepIgnoringCancel(string startedPath, int seconds)
    {
        File.WriteAllText(startedPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return seconds;
    }

    /// <summary>Sleeps on the token it takes as a parameter (the caller passes CancellationToken.None).</summary>
    public static async Task<int> SleepOnParameterToken(string startedPath, int seconds, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(startedPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        return seconds;
    }

    /// <summary>Blocks in Monitor.Wait on a lock nobody pulses, without looking at any token.</summary>
    public static int WaitOnMonitor(string startedPath, int seconds)
    {
        var gate = new object();
        File.WriteAllText(startedPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        lock (gate)
        {
            Monitor.Wait(gate, TimeSpan.FromSeconds(seconds));
        }
        return seconds;
    }

    /// <summary>
    /// Submits a task and gets it, again and again, until cancelled: a worker's submits write each task to its idle lease
    /// themselves, so a cancel reaches the task around those writes (interrupts are paused inside them). Writes
    /// <paramref name="startedPath"/> once 20 children ran.
    /// </summary>
    public static int SubmitAndGetUntilCancelled(string startedPath)
    {
        for (var i = 0; ; i++)
        {
            Ray.Get(Ray.Task(BasicFunctions.Square, i).Remote());
            if (i == 20)
            {
                File.WriteAllText(startedPath, "20");
            }
        }
    }

    /// <summary>Sleeps briefly and returns its worker's pid: a later task on a worker whose task was interrupted.</summary>
    public static int NapAndPid(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return Environment.ProcessId;
    }

    /// <summary>
    /// Waits for a 60 s child with a plain Get (no token); writes what ended the wait to <paramref name="endedPath"/>,
    /// then cancels the child itself.
    /// </summary>
    public static int GetChildWithoutToken(string childStartedPath, string endedPath)
    {
        var child = Ray.Task(SleepCancellable, childStartedPath, 60).Remote();
        try
        {
            return Ray.Get(child);
        }
        catch (Exception ex)
        {
            Ray.Cancel(child);
            File.WriteAllText(endedPath, ex.GetType().Name);
            throw;
        }
    }

    /// <summary>Cancels a ref this task received inside a value: its owner is the process that made it, not this one.</summary>
    public static int CancelFirst(List<ObjectRef<int>> refs)
    {
        Ray.Cancel(refs[0]);
        return refs.Count;
    }

    /// <summary>Returns <paramref name="value"/> once <paramref name="path"/> exists (at most two minutes).</summary>
    public static int ReturnWhenFileExists(string path, int value)
    {
        var giveUp = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(path) && DateTime.UtcNow < giveUp)
        {
            Thread.Sleep(20);
        }
        return value;
    }

    /// <summary>Calls the actor's 60 s sleep and waits for it.</summary>
    public static int WaitForActorSleep(ActorHandle<Functions.Actors.AsyncSleeper> sleeper, string startedPath) =>
        Ray.Get(sleeper.Task((a, p, s) => a.SleepOnAmbientToken(p, s), startedPath, 60).Remote());

    /// <summary>
    /// Computes (no blocking call) until its token is signalled, then gets a ready value and sleeps: the interrupt
    /// issued while it computed must still end the sleep, although the Get in between is never interrupted.
    /// </summary>
    public static int ComputeThenGetThenSleep(string startedPath, int seconds)
    {
        var one = Ray.Put(1);
        File.WriteAllText(startedPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var giveUp = DateTime.UtcNow.AddMinutes(2);
        while (!Ray.TaskCancellationToken.IsCancellationRequested && DateTime.UtcNow < giveUp)
        {
            Thread.SpinWait(1000);
        }
        var value = Ray.Get(one);
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return value;
    }

    public static int WriteMarker(string path)
    {
        File.WriteAllText(path, "ran");
        return 1;
    }

    /// <summary>Submits a cancellable 60 s child and waits for it, itself cancellable (a Get with the task's token).</summary>
    public static int WaitForSleepingChild(string childStartedPath) =>
        Ray.Get(Ray.Task(SleepCancellable, childStartedPath, 60).Remote(), Ray.TaskCancellationToken);
}
