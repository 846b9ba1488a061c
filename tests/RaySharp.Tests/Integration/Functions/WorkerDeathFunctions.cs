using System.Diagnostics;

namespace RaySharp.Tests.Integration.Functions;

public static class WorkerDeathFunctions
{
    /// <summary>Kills its own worker process on the first attempt (a marker file records it), returns 1 on the next.</summary>
    public static int DieOnce(string markerPath)
    {
        if (!File.Exists(markerPath))
        {
            File.WriteAllText(markerPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Process.GetCurrentProcess().Kill();
        }
        return 1;
    }

    /// <summary>Publishes its pid (atomically, by rename) so the test can kill this worker, then works for a while.</summary>
    public static int PublishPidThenWork(string pidPath, int milliseconds, int result)
    {
        var temp = pidPath + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temp, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(temp, pidPath, overwrite: true);
        Thread.Sleep(milliseconds);
        return result;
    }
}
