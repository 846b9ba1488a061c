namespace RaySharp.Tests.Integration.Functions;

/// <summary>Tasks for the memory monitor tests: they allocate until the raylet kills them.</summary>
public static class MemoryFunctions
{
    private const int ChunkBytes = 32 << 20;

    /// <summary>
    /// Appends "node pid" to <paramref name="log"/>, then allocates and touches memory in 32 MiB steps
    /// until the memory monitor kills the worker. Stops at <paramref name="capBytes"/> (a monitor that
    /// failed must fail the test, not the machine) and returns what it held.
    /// </summary>
    public static long AllocateUntilKilled(string log, long capBytes)
    {
        File.AppendAllText(log, $"{Ray.GetRuntimeContext().NodeId} {Environment.ProcessId}\n");
        var held = new List<byte[]>();
        long total = 0;
        while (total < capBytes)
        {
            var chunk = GC.AllocateUninitializedArray<byte>(ChunkBytes);
            // Touch every page: untouched pages of an allocation are not resident and would not count.
            for (var i = 0; i < chunk.Length; i += 4096)
            {
                chunk[i] = 1;
            }
            held.Add(chunk);
            total += chunk.Length;
            // About 600 MiB/s: the 250 ms refresh sees the growth long before the machine runs short.
            Thread.Sleep(50);
        }
        GC.KeepAlive(held);
        return total;
    }

    /// <summary>The first run allocates until killed; a later run (the retry) returns the node it ran on.</summary>
    public static string AllocateOnFirstRun(string log, long capBytes)
    {
        if (!File.Exists(log))
        {
            AllocateUntilKilled(log, capBytes);
            return "not killed";
        }
        File.AppendAllText(log, $"{Ray.GetRuntimeContext().NodeId} {Environment.ProcessId}\n");
        return Ray.GetRuntimeContext().NodeId;
    }

    /// <summary>The lines the tasks above wrote: one per run.</summary>
    public static string[] Runs(string log) => File.Exists(log) ? File.ReadAllLines(log) : [];
}

/// <summary>An actor whose method allocates until the memory monitor kills its worker.</summary>
public sealed class MemoryHog
{
    public long Allocate(string log, long capBytes) => MemoryFunctions.AllocateUntilKilled(log, capBytes);
}
