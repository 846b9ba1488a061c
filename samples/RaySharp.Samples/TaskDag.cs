namespace RaySharp.Samples;

// Seed example 4: A and B run in parallel; C(a, b) takes their refs, so it runs only after both.
public static class TaskDag
{
    /// <summary>What a step computed and when it ran, in ms since the driver submitted the DAG.</summary>
    public sealed record Step(string Name, int Value, double StartMs, double EndMs);

    public static void Run(string[] args)
    {
        var t0 = DateTime.UtcNow.Ticks;
        var a = Ray.Task(A, t0).Remote();
        var b = Ray.Task(B, t0).Remote();
        var c = Ray.Task(C, a, b, t0).Remote();   // refs as arguments: C is scheduled when A and B are done

        var (sa, sb, sc) = (Ray.Get(a), Ray.Get(b), Ray.Get(c));
        foreach (var s in new[] { sa, sb, sc })
        {
            Console.WriteLine($"{s.Name} = {s.Value,-2} ran {s.StartMs,6:F0} .. {s.EndMs,6:F0} ms");
        }

        Check.That(sc.Value == 3, $"C = A + B = 3, got {sc.Value}");
        Check.That(Math.Max(sa.StartMs, sb.StartMs) < Math.Min(sa.EndMs, sb.EndMs), "A and B to overlap in time");
        Check.That(sc.StartMs >= Math.Max(sa.EndMs, sb.EndMs), "C to start after A and B ended");
        Console.WriteLine("A and B overlapped; C started after both.");
    }

    private static Step A(long t0) => Work("A", 1, t0);

    private static Step B(long t0) => Work("B", 2, t0);

    private static Step C(Step a, Step b, long t0) => Work("C", a.Value + b.Value, t0);

    private static Step Work(string name, int value, long t0)
    {
        var start = Since(t0);
        Thread.Sleep(1000);
        return new Step(name, value, start, Since(t0));
    }

    // Wall-clock time, not a Stopwatch: the steps run in different processes.
    private static double Since(long t0) => TimeSpan.FromTicks(DateTime.UtcNow.Ticks - t0).TotalMilliseconds;
}
