using System.Diagnostics;

namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An actor whose methods fail a given number of times, counting attempts in a file (a retried call may run on a restarted process).</summary>
public sealed class FlakyActor
{
    private int _calls;

    public int Pid() => Environment.ProcessId;

    /// <summary>The first <paramref name="failures"/> attempts throw the exception <paramref name="kind"/> names; a later one returns the attempt's number.</summary>
    public int ThrowTimes(string attemptsPath, int failures, string kind)
    {
        _calls++;
        var attempt = Attempts.Record(attemptsPath);
        if (attempt <= failures)
        {
            throw Attempts.Exception(kind, attempt);
        }
        return attempt;
    }

    /// <summary>Kills the actor's process on the first <paramref name="deaths"/> attempts; a later one returns the attempt's number.</summary>
    public int DieTimes(string attemptsPath, int deaths)
    {
        var attempt = Attempts.Record(attemptsPath);
        if (attempt <= deaths)
        {
            Process.GetCurrentProcess().Kill();
        }
        return attempt;
    }

    /// <summary>Calls this incarnation ran (a retry after an exception runs on the same state).</summary>
    public int Calls() => _calls;
}
