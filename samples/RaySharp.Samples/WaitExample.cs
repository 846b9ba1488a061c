using System.Diagnostics;

namespace RaySharp.Samples;

// Seed example 9: Ray.Wait(results, numReturns: 4, timeout: 2.5 s) over 5 calls. The calls sleep
// 0.5, 1, 1.5, 3.5 and 4 s, so at the timeout 3 are ready and 2 are not: Wait returns what it has.
public static class WaitExample
{
    public static void Run(string[] args)
    {
        double[] seconds = [0.5, 1, 1.5, 3.5, 4];
        var results = seconds.Select(s => Ray.Task(F, s).Remote()).ToList();

        var watch = Stopwatch.StartNew();
        var (readyIds, remainingIds) = Ray.Wait(results, numReturns: 4, timeout: TimeSpan.FromSeconds(2.5));
        var waited = watch.Elapsed;
        Console.WriteLine($"after {waited.TotalSeconds:F2} s: {readyIds.Count} ready [{string.Join(", ", Ray.Get(readyIds))} s], {remainingIds.Count} not ready");
        Check.That(readyIds.Count == 3 && remainingIds.Count == 2, $"3 ready and 2 not ready at the timeout, got {readyIds.Count} and {remainingIds.Count}");
        Check.That(waited >= TimeSpan.FromSeconds(2.4), $"Wait to last until the 2.5 s timeout, it returned after {waited.TotalSeconds:F2} s");

        // Without a timeout, Wait returns as soon as numReturns are ready.
        var (ready, notReady) = Ray.Wait(results, numReturns: 5);
        Console.WriteLine($"after {watch.Elapsed.TotalSeconds:F2} s: {ready.Count} ready, {notReady.Count} not ready");
        Check.That(ready.Count == 5, "all 5 ready when waiting without a timeout");
    }

    private static double F(double seconds)
    {
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return seconds;
    }
}
