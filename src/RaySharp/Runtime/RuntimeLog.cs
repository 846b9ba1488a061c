using Microsoft.Extensions.Logging;
using RaySharp.Common.Logging;

namespace RaySharp.Runtime;

/// <summary>
/// The log of the runtime inside a driver or worker process (Ray's python-core-driver/worker logs):
/// <c>core-driver-&lt;pid&gt;.log</c> or <c>core-worker-&lt;pid&gt;.log</c> in the session's log directory,
/// written only when there is something to say (a release call given up on, a failure the runtime
/// absorbed). The console stays the user's program's.
/// </summary>
internal static class RuntimeLog
{
    /// <summary>Opens the log of a core worker; the file appears with its first line.</summary>
    public static ILoggerFactory Open(CoreWorkerOptions options)
    {
        var name = $"core-{(options.IsDriver ? "driver" : "worker")}-{Environment.ProcessId}.log";
        return new FileLoggerFactory(Path.Combine(Directory(options.SocketDirectory), name));
    }

    // Workers and embedded drivers use the session's sockets directory, next to its logs; a driver that
    // joined a cluster has a directory of its own.
    private static string Directory(string socketDirectory) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(socketDirectory)) == "sockets"
            ? Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(socketDirectory))!, "logs")
            : Path.Combine(socketDirectory, "logs");
}
