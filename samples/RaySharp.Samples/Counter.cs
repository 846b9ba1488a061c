namespace RaySharp.Samples;

// Seed example 11: the Counter actor. `Ray.Actor(...)` starts an instance in its own worker process;
// its state stays there between calls. Two instances count independently, and the calls on one
// instance run one at a time, in the order they were made (the seed: "calls on one actor are serial").
public sealed class Counter
{
    private int _value;

    public int Increment() => ++_value;

    /// <summary>An increment that takes a while and says when it ran, to show how calls overlap.</summary>
    public CounterExample.Step SlowIncrement(int milliseconds, long t0)
    {
        var start = CounterExample.Since(t0);
        Thread.Sleep(milliseconds);
        return new CounterExample.Step(++_value, start, CounterExample.Since(t0));
    }
}

public static class CounterExample
{
    /// <summary>The count after a call, and when the call ran (ms since the driver started submitting).</summary>
    public sealed record Step(int Value, double StartMs, double EndMs);

    public static void Run(string[] args)
    {
        var a1 = Ray.Actor(() => new Counter()).Remote();
        var a2 = Ray.Actor(() => new Counter()).Remote();
        try
        {
            var first1 = Ray.Get(a1.Task(c => c.Increment()).Remote());
            var first2 = Ray.Get(a2.Task(c => c.Increment()).Remote());
            Console.WriteLine($"a1.increment() = {first1}, a2.increment() = {first2}");
            Check.That(first1 == 1 && first2 == 1, $"each counter to start from its own 0 (got {first1} and {first2})");

            // 5 slow increments on each, all submitted before any result is awaited.
            var t0 = DateTime.UtcNow.Ticks;
            var refs1 = Enumerable.Range(0, 5).Select(_ => a1.Task((c, ms, t) => c.SlowIncrement(ms, t), 200, t0).Remote()).ToList();
            var refs2 = Enumerable.Range(0, 5).Select(_ => a2.Task((c, ms, t) => c.SlowIncrement(ms, t), 200, t0).Remote()).ToList();
            var steps1 = Ray.Get(refs1);
            var steps2 = Ray.Get(refs2);

            foreach (var (name, steps) in new[] { ("a1", steps1), ("a2", steps2) })
            {
                Console.WriteLine($"{name}: " + string.Join("  ", steps.Select(s => $"{s.Value}@{s.StartMs:F0}-{s.EndMs:F0}ms")));
                Check.That(steps.Select(s => s.Value).SequenceEqual([2, 3, 4, 5, 6]), $"{name}'s calls to count 2..6 in submission order");
                Check.That(steps.Zip(steps.Skip(1)).All(p => p.Second.StartMs >= p.First.EndMs - 1),
                    $"{name}'s calls to run one at a time (each starting after the previous one ended)");
            }
            // The two actors are separate processes: their calls overlap in time.
            Check.That(steps1[0].StartMs < steps2[^1].EndMs && steps2[0].StartMs < steps1[^1].EndMs, "a1's and a2's calls to overlap in time");
            Console.WriteLine("Calls on one counter ran one at a time, in order; the two counters ran side by side.");
        }
        finally
        {
            Ray.Kill(a1);
            Ray.Kill(a2);
        }
    }

    // Wall-clock time, not a Stopwatch: the calls run in other processes.
    internal static double Since(long t0) => TimeSpan.FromTicks(DateTime.UtcNow.Ticks - t0).TotalMilliseconds;
}
