namespace RaySharpApp;

/// <summary>Remote functions: static methods whose arguments and results serialize.</summary>
public static class Work
{
    public static long Square(long x) => x * x;

    public static long Sum(long[] values) => values.Sum();
}
