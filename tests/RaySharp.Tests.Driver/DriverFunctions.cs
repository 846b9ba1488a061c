namespace RaySharp.Tests.Driver;

/// <summary>What a task of the second driver saw: its result, and the worker and job it ran in.</summary>
public sealed record TaskReport(int Result, int WorkerPid, string JobId);

/// <summary>Remote functions defined only in the second driver's program.</summary>
public static class DriverFunctions
{
    public static byte[] Bytes(int length) => new byte[length];

    /// <summary>Sleeps, then says which worker process ran it.</summary>
    public static int PidAfter(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return Environment.ProcessId;
    }

    public static string Variable(string name) => Environment.GetEnvironmentVariable(name) ?? "(unset)";

    public static string Variables(string first, string second) => Variable(first) + "," + Variable(second);

    /// <summary>A file read relative to the worker's current directory (a runtime env's working dir), or "(missing)".</summary>
    public static string ReadRelative(string path) => File.Exists(path) ? File.ReadAllText(path) : "(missing)";

    /// <summary>x², and the node that computed it (a submitted job spreads these over the cluster's nodes).</summary>
    public static string SquareOnNode(int x) => $"{x * x}@{Ray.GetRuntimeContext().NodeId}";

    public static TaskReport SquarePlusOne(int x) => new(x * x + 1, Environment.ProcessId, Ray.GetRuntimeContext().JobId);
}
