using System.Globalization;

namespace RaySharp.Cli;

/// <summary>
/// The processes `raysharp start` started on this machine, for `raysharp stop`: one file per process
/// under [temp]/raysharp/nodes, named by its pid and holding its kind, its session directory and the
/// address of its cluster's GCS (once known), so `raysharp stop --address` stops one cluster only.
/// </summary>
internal static class NodeRecords
{
    /// <summary>A node process: the raylet (and, on the head, the parent of the GCS process).</summary>
    public const string Raylet = "raylet";

    /// <summary>The head's GCS process.</summary>
    public const string Gcs = "gcs";

    public static string Directory => Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes");

    /// <summary>Records (or re-records, once the GCS address is known) a process this machine's `raysharp stop` ends.</summary>
    public static void Add(int pid, string session, string kind, string? gcsAddress = null)
    {
        Common.Security.PrivateFiles.EnsureDirectory(Directory);
        Common.Security.PrivateFiles.WriteAllText(Path.Combine(Directory, pid.ToString(CultureInfo.InvariantCulture)),
            kind + "\n" + session + (gcsAddress is null ? "" : "\n" + gcsAddress));
    }

    public static void Remove(int pid)
    {
        try
        {
            File.Delete(Path.Combine(Directory, pid.ToString(CultureInfo.InvariantCulture)));
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Every recorded process, raylets first: a raylet that stops while its GCS still runs unregisters
    /// its node, and the head's raylet stops its own GCS. With <paramref name="gcsAddress"/>, only the
    /// processes of that cluster.
    /// </summary>
    public static List<(int Pid, string Kind)> All(string? gcsAddress = null) =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateFiles(Directory)
                .Select(f => (Pid: int.TryParse(Path.GetFileName(f), out var pid) ? pid : -1, Lines: Lines(f)))
                .Where(r => r.Pid > 0 && (gcsAddress is null || (r.Lines.Length > 2 && r.Lines[2] == gcsAddress)))
                // Records written before the GCS had its own process hold only the session: those are nodes.
                .Select(r => (r.Pid, Kind: r.Lines.FirstOrDefault() == Gcs ? Gcs : Raylet))
                .OrderBy(r => r.Kind == Gcs)
                .ToList()
            : [];

    private static string[] Lines(string file)
    {
        try
        {
            return File.ReadAllLines(file);
        }
        catch (IOException)
        {
            return [];
        }
    }
}
