namespace RaySharp.Tests.Integration.Functions;

/// <summary>Functions for calls with thousands of ref arguments or returns (Ray's scale tests).</summary>
public static class ManyRefFunctions
{
    public static long Sum(long[] values) => values.Sum();

    public static async Task<string> JoinAsync(string[] values)
    {
        await Task.Yield();
        return string.Concat(values);
    }

    public static int Slow(int value, int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return value;
    }

    public static int Fail(int value) => throw new InvalidOperationException("failed on purpose: " + value);

    /// <summary>The squares of 0..n-1 as an array, to be split into n objects.</summary>
    public static long[] Squares(int n) => Enumerable.Range(0, n).Select(i => (long)i * i).ToArray();

    /// <summary>Big elements: each goes to the object store on its own.</summary>
    public static byte[][] Blocks(int n, int size) => Enumerable.Range(0, n).Select(i => Enumerable.Repeat((byte)i, size).ToArray()).ToArray();
}
