namespace RaySharp.WebSample;

/// <summary>The remote function the /sum endpoint fans out: one slice of the range per task.</summary>
public static class RangeSum
{
    /// <summary>first + (first+1) + … + last, added one by one: real work for a worker, not a closed formula.</summary>
    /// <param name="first">The first number.</param>
    /// <param name="last">The last number (≥ first).</param>
    /// <returns>The sum.</returns>
    public static long Sum(long first, long last)
    {
        var sum = 0L;
        for (var i = first; i <= last; i++)
        {
            sum += i;
        }
        return sum;
    }
}
