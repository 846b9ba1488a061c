namespace RaySharp.Samples;

// Seed example 7 (num_return_vals=2): one call, two futures. A function returning a tuple, submitted
// with RemoteSplit, stores each element as its own object.
public static class MultipleReturns
{
    public static void Run(string[] args)
    {
        var (xId, yId) = Ray.Task(F).RemoteSplit();
        var (x, y) = (Ray.Get(xId), Ray.Get(yId));
        Console.WriteLine($"Ray.Get(xId) = {x}, Ray.Get(yId) = {y}");
        Check.That(x == 1 && y == 2, $"1 and 2, got {x} and {y}");
    }

    private static (int, int) F() => (1, 2);
}
