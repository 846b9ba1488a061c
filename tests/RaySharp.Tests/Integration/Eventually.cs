using System.Diagnostics;

namespace RaySharp.Tests.Integration;

/// <summary>
/// Waits for a condition that has no event to wait on (a file written by a worker, a process exiting),
/// with a timeout whose failure message says what was awaited.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(20);

    public static void True(Func<bool> condition, TimeSpan timeout, string waitingFor)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {waitingFor}.");
            }
            Thread.Sleep(s_poll);
        }
    }

    /// <summary>Waits for a task (a Get running in the background, an awaited ref) with a timeout.</summary>
    public static T Result<T>(Task<T> task, TimeSpan timeout, string waitingFor)
    {
        if (!task.Wait(timeout))
        {
            Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {waitingFor}.");
        }
        return task.Result;
    }
}
