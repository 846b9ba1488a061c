using System.Diagnostics;

namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>Actors whose constructor kills its own process some times, or takes its time: what creation does then.</summary>
public sealed class FragileConstructor
{
    /// <summary>The first <paramref name="deaths"/> constructions kill their process (counted in <paramref name="attemptsPath"/>).</summary>
    public FragileConstructor(string attemptsPath, int deaths)
    {
        if (Attempts.Record(attemptsPath) <= deaths)
        {
            Process.GetCurrentProcess().Kill();
        }
    }

    /// <summary>A constructor that runs for <paramref name="slow"/>, writing its pid to <paramref name="pidPath"/> first.</summary>
    public FragileConstructor(string pidPath, TimeSpan slow)
    {
        File.WriteAllText(pidPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Thread.Sleep(slow);
    }

    public static FragileConstructor DiesTimes(string attemptsPath, int deaths) => new(attemptsPath, deaths);

    public static FragileConstructor Slow(string pidPath, int milliseconds) => new(pidPath, TimeSpan.FromMilliseconds(milliseconds));

    public int Pid() => Environment.ProcessId;
}
