namespace RaySharp.Bench.Soak;

/// <summary>
/// The soak's remote functions. Each result is a pure function of the arguments, so a retry after a
/// SIGKILL gives the same answer and the driver can check every one exactly.
/// </summary>
public static class SoakFunctions
{
    /// <summary>Tasks in one <see cref="Tree"/> of <paramref name="depth"/>: a full binary tree.</summary>
    public static int TreeTasks(int depth) => (2 << depth) - 1;

    /// <summary>What <see cref="Tree"/> returns: the sum of <see cref="Leaf"/> over the tree's 2^depth leaves.</summary>
    public static long TreeSum(long seed, int depth)
    {
        long sum = 0;
        var first = seed << depth;
        for (long i = 0; i < 1L << depth; i++)
        {
            sum += Leaf(first + i);
        }
        return sum;
    }

    /// <summary>
    /// Nested tasks: a node of the tree submits its two children from inside its worker (which then owns
    /// them) and blocks on them. Children retry forever, so a child's worker killed under it only delays it;
    /// a killed parent is retried by its own owner and submits its children again.
    /// </summary>
    public static long Tree(long seed, int depth)
    {
        if (depth == 0)
        {
            return Leaf(seed);
        }
        using var left = Ray.Task(Tree, seed * 2, depth - 1).SetMaxRetries(-1).Remote();
        using var right = Ray.Task(Tree, (seed * 2) + 1, depth - 1).SetMaxRetries(-1).Remote();
        return Ray.Get(left, SoakOptions.GetTimeout) + Ray.Get(right, SoakOptions.GetTimeout);
    }

    public static long Leaf(long x) => (3 * x) + 1;

    public static long Square(long x) => x * x;

    /// <summary>A small object (inline in its owner's memory store) read by a task.</summary>
    public static long Sum(long[] values) => values.Sum();

    /// <summary>A large argument read by a task from its node's store (pulled when it lives on another node).</summary>
    public static long Verify(ulong[] data, long seed) => SoakPattern.Matching(data, seed);

    /// <summary>A large result: stays in the executing node's store; the driver reads it from there.</summary>
    public static ulong[] Make(long seed, int length) => SoakPattern.Make(seed, length);
}
