namespace RaySharp.Tests.Integration.Functions;

/// <summary>An actor that keeps its constructor argument (large enough to travel through the store).</summary>
public sealed class ArgumentHolder(byte[] data)
{
    public int Length() => data.Length;

    public int Pid() => Environment.ProcessId;
}

/// <summary>Tasks for the bounded-memory tests.</summary>
public static class ReliabilityFunctions
{
    public static int Fail(int i) => throw new InvalidOperationException("failure " + i);
}
