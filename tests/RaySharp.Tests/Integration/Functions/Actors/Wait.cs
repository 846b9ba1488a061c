using System.Diagnostics;

namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>Waits inside actors for a marker file the test writes (files cross process boundaries; the timeout keeps a broken test from hanging).</summary>
public static class Wait
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static void ForFile(string path)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (clock.Elapsed > Timeout)
            {
                throw new TimeoutException($"The marker file {path} did not appear within {Timeout.TotalSeconds} s.");
            }
            Thread.Sleep(10);
        }
    }
}
