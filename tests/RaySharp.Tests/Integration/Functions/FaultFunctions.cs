namespace RaySharp.Tests.Integration.Functions;

/// <summary>Tasks for the fault-tolerance tests: they leave a trace of every run and wait for the test's signal.</summary>
public static class FaultFunctions
{
    /// <summary>
    /// Appends "index node pid" to <paramref name="log"/> (one line per run, so a test counts runs),
    /// then waits until <paramref name="release"/> exists; returns the node it ran on.
    /// </summary>
    public static string RecordAndWait(string log, int index, string release)
    {
        var node = Ray.GetRuntimeContext().NodeId;
        File.AppendAllText(log, $"{index} {node} {Environment.ProcessId}\n");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!File.Exists(release) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        return node;
    }

    /// <summary>The lines <see cref="RecordAndWait"/> wrote so far.</summary>
    public static string[] Runs(string log) => File.Exists(log) ? File.ReadAllLines(log) : [];
}
