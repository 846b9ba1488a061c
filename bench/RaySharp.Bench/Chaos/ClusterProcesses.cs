using System.Globalization;

namespace RaySharp.Bench.Chaos;

/// <summary>Finds a loopback cluster's processes by their command lines (/proc), to kill them on purpose.</summary>
public static class ClusterProcesses
{
    /// <summary>The worker processes of the cluster whose GCS is at <paramref name="gcsAddress"/> (their command line names it).</summary>
    public static List<int> Workers(string gcsAddress) => Matching("--gcs\0" + gcsAddress + "\0");

    /// <summary>The `raysharp gcs-server` process serving <paramref name="port"/>.</summary>
    public static int Gcs(int port) =>
        Matching("\0gcs-server\0", "--port\0" + port.ToString(CultureInfo.InvariantCulture) + "\0").FirstOrDefault() is var pid and > 0
            ? pid
            : throw new InvalidOperationException($"No GCS process serves port {port}.");

    /// <summary>The processes whose parent is <paramref name="parent"/> and whose command line contains <paramref name="part"/> (NUL-separated arguments).</summary>
    public static HashSet<int> Children(int parent, string part)
    {
        var self = parent.ToString(CultureInfo.InvariantCulture);
        var pids = new HashSet<int>();
        foreach (var pid in Matching(part))
        {
            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its ')'.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                if (stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1] == self)
                {
                    pids.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // It exited meanwhile.
            }
        }
        return pids;
    }

    private static List<int> Matching(params string[] parts)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (parts.All(p => cmdline.Contains(p, StringComparison.Ordinal)))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process exited meanwhile.
            }
        }
        return pids;
    }
}
