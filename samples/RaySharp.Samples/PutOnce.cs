using System.Diagnostics;

namespace RaySharp.Samples;

// Seed example 5: passing a large value to 10 calls copies it into the object store 10 times;
// Ray.Put once and passing the ref copies it once.
public static class PutOnce
{
    private const int Length = 4_000_000;   // 32 MB of doubles

    public static void Run(string[] args)
    {
        var x = Enumerable.Range(0, Length).Select(i => (double)i).ToArray();
        var expected = (double)Length * (Length - 1) / 2;

        var watch = Stopwatch.StartNew();
        var byValue = Enumerable.Range(0, 10).Select(_ => Ray.Task(Sum, x).Remote()).ToList();
        var submitByValue = watch.Elapsed;
        var sumsByValue = Ray.Get(byValue);
        var totalByValue = watch.Elapsed;

        watch.Restart();
        var xRef = Ray.Put(x);
        var byRef = Enumerable.Range(0, 10).Select(_ => Ray.Task(Sum, xRef).Remote()).ToList();
        var submitByRef = watch.Elapsed;
        var sumsByRef = Ray.Get(byRef);
        var totalByRef = watch.Elapsed;

        Console.WriteLine($"value passed 10 times ({Length * 8 / 1_000_000} MB each): submit {submitByValue.TotalMilliseconds,6:F0} ms, all done {totalByValue.TotalMilliseconds,6:F0} ms");
        Console.WriteLine($"Ray.Put once, ref passed 10 times:     submit {submitByRef.TotalMilliseconds,6:F0} ms, all done {totalByRef.TotalMilliseconds,6:F0} ms");
        // What Put saves is the driver's work: one serialized copy in the object store instead of ten.
        // The tasks' reads cost the same either way until reads map the store without copying.
        Check.That(submitByRef < submitByValue, "submitting with one put ref to be faster than copying the value 10 times");
        Check.That(sumsByValue.Concat(sumsByRef).All(s => s == expected), $"every task to see the whole array (sum {expected})");
    }

    private static double Sum(double[] x) => x.Sum();
}
