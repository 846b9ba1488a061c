namespace RaySharp.Bench.Fuzz;

/// <summary>The real work that must still run after every fuzz batch: a task and an actor call.</summary>
public static class FuzzProbe
{
    public static int Add(int a, int b) => a + b;
}

/// <summary>An actor whose worker process's core worker service is fuzzed; it must keep answering.</summary>
public sealed class FuzzProbeActor
{
    public int Echo(int x) => x;
}
