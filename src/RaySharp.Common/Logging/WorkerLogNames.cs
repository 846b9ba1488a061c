using System.Globalization;
using RaySharp.Common.Ids;

namespace RaySharp.Common.Logging;

/// <summary>
/// Names of the files a raylet keeps of its workers' output (Ray's <c>worker-&lt;id&gt;-&lt;pid&gt;.out</c> and <c>.err</c>):
/// the pid last, so the log API finds a worker's output from the pid the actor and task tables give.
/// </summary>
public static class WorkerLogNames
{
    /// <summary>The log of a worker's stdout, or stderr with <paramref name="isError"/>.</summary>
    public static string Name(UniqueId workerId, int pid, bool isError) => $"worker-{workerId}-{pid}.{(isError ? "err" : "out")}";

    /// <summary>The pid in a worker log's name, or null when <paramref name="fileName"/> is not one.</summary>
    public static int? Pid(string fileName)
    {
        if (!fileName.StartsWith("worker-", StringComparison.Ordinal) || !(fileName.EndsWith(".out", StringComparison.Ordinal) || fileName.EndsWith(".err", StringComparison.Ordinal)))
        {
            return null;
        }
        var stem = fileName[..^4];
        return int.TryParse(stem.AsSpan(stem.LastIndexOf('-') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>Whether <paramref name="fileName"/> is the stdout (or, with <paramref name="isError"/>, the stderr) log of the worker with <paramref name="pid"/>.</summary>
    public static bool IsOf(string fileName, int pid, bool isError) =>
        Pid(fileName) == pid && fileName.EndsWith(isError ? ".err" : ".out", StringComparison.Ordinal);
}
