using RaySharp.Util;

namespace RaySharp.Samples;

// Ray's ray.util in C#: a Parallel.ForEach-shaped map over a pool of actor processes (RayPool), an ActorPool over
// actors you made yourself, and a queue that producer and consumer tasks share (RayQueue).
public static class UtilExample
{
    public static void Run(string[] args)
    {
        // RayPool: the same shape as items.Select(f), run in chunks on 2 actor processes.
        using (var pool = new RayPool(processes: 2))
        {
            var items = Enumerable.Range(0, 1_000).ToArray();
            var squares = pool.Map(Square, items);
            Console.WriteLine($"pool: {squares.Length} squares, last {squares[^1]}");
            Check.That(squares.SequenceEqual(items.Select(Square)), "RayPool.Map to equal items.Select(Square)");
        }

        // ActorPool: spread values over your own actors; Map keeps the values' order.
        var actors = new[] { Ray.Actor(() => new Doubler()).Remote(), Ray.Actor(() => new Doubler()).Remote() };
        var actorPool = new ActorPool<Doubler>(actors);
        var doubled = actorPool.Map((a, v) => a.Task((d, x) => d.Double(x), v).Remote(), [1, 2, 3, 4]).ToArray();
        Console.WriteLine($"actor pool: {string.Join(", ", doubled)}");
        Check.That(doubled.SequenceEqual([2, 4, 6, 8]), "ActorPool.Map to give 2, 4, 6, 8");
        foreach (var actor in actors)
        {
            actor.Dispose();
        }

        // RayQueue: a bounded queue passed to a producer task; the driver consumes.
        var queue = new RayQueue<int>(maxSize: 5);
        Ray.Task(Produce, queue, 20).Remote();
        var received = Enumerable.Range(0, 20).Select(_ => queue.Get(timeout: TimeSpan.FromSeconds(60))).ToArray();
        Console.WriteLine($"queue: received {received.Length} items in order");
        Check.That(received.SequenceEqual(Enumerable.Range(0, 20)), "the 20 produced items, in order");
        queue.Shutdown();
    }

    private static int Square(int x) => x * x;

    private static int Produce(RayQueue<int> queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            queue.Put(i, timeout: TimeSpan.FromSeconds(60));
        }
        return count;
    }
}

public sealed class Doubler
{
    public int Double(int x) => 2 * x;
}
