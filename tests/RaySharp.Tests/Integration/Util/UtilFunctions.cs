using RaySharp.Util;

namespace RaySharp.Tests.Integration.Util;

/// <summary>The actor of the ActorPool tests.</summary>
public sealed class PoolWorker
{
    public int Double(int value) => 2 * value;

    /// <summary>Takes longer for smaller values, so that calls finish in the reverse of their order.</summary>
    public int DoubleAfter(int value, int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return 2 * value;
    }

    /// <summary>Blocks until the test puts a value into the gate queue.</summary>
    public int WaitFor(RayQueue<int> gate) => gate.Get(timeout: TimeSpan.FromSeconds(120));

    public int Fail(int value) => throw new InvalidOperationException($"value {value} refused");
}

/// <summary>Producer and consumer tasks of the RayQueue tests: they get the queue as an argument.</summary>
public static class QueueFunctions
{
    public const int Stop = -1;

    /// <summary>Puts 0..count-1 in order, then one stop marker per consumer.</summary>
    public static int Produce(RayQueue<int> queue, int count, int consumers)
    {
        for (var i = 0; i < count; i++)
        {
            queue.Put(i, timeout: TimeSpan.FromSeconds(120));
        }
        for (var c = 0; c < consumers; c++)
        {
            queue.Put(Stop, timeout: TimeSpan.FromSeconds(120));
        }
        return count;
    }

    /// <summary>Takes items until a stop marker; returns what it took, in the order it took them.</summary>
    public static int[] Consume(RayQueue<int> queue)
    {
        var taken = new List<int>();
        while (queue.Get(timeout: TimeSpan.FromSeconds(120)) is var item && item != Stop)
        {
            taken.Add(item);
        }
        return [.. taken];
    }

    /// <summary>Async consumer: the queue's async API inside a task.</summary>
    public static async Task<int[]> ConsumeAsync(RayQueue<int> queue)
    {
        var taken = new List<int>();
        while (await queue.GetAsync(timeout: TimeSpan.FromSeconds(120)) is var item && item != Stop)
        {
            taken.Add(item);
        }
        return [.. taken];
    }
}

/// <summary>Functions the RayPool tests map.</summary>
public static class PoolFunctions
{
    private static int s_offset;

    public static long Square(long x) => x * x;

    public static string Describe(int number, string word) => $"{word}-{number}";

    public static int Sum3(int a, int b, int c) => a + b + c;

    /// <summary>The pool's initializer: runs once in each actor's process.</summary>
    public static void Initialize() => s_offset = 1000;

    public static int AddOffset(int x) => x + s_offset;

    public static int ProcessId(int _) => Environment.ProcessId;

    public static int FailOnFive(int x) => x == 5 ? throw new InvalidOperationException("five is refused") : x;
}
