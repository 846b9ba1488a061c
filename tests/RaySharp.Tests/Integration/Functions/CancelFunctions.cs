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

    public static int WriteMarker(string path)
    {
        File.WriteAllText(path, "ran");
        return 1;
    }

    /// <summary>Submits a cancellable 60 s child and waits for it, itself cancellable (a Get with the task's token).</summary>
    public static int WaitForSleepingChild(string childStartedPath) =>
        Ray.Get(Ray.Task(SleepCancellable, childStartedPath, 60).Remote(), Ray.TaskCancellationToken);
}
