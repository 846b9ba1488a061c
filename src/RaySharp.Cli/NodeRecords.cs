using System.Globalization;

namespace RaySharp.Cli;

/// <summary>
/// The processes `raysharp start` started on this machine, for `raysharp stop`: one file per process
/// under [temp]/raysharp/nodes, named by its pid and holding its kind and its session directory.
/// </summary>
internal static class NodeRecords
{
    /// <summary>A node process: the raylet (and, on the head, the parent of the GCS process).</summary>
    public const string Raylet = "raylet";

    /// <summary>The head's GCS process.</summary>
    public const string Gcs = "gcs";

    public static string Directory => Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes");

    public static void Add(int pid, string session, string kind)
    {
        Common.Security.PrivateFiles.EnsureDirectory(Directory);
        Common.Security.PrivateFiles.WriteAllText(Path.Combine(Directory, pid.ToString(CultureInfo.InvariantCulture)), kind + "\n" + session);
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
    /// its node, and the head's raylet stops its own GCS.
    /// </summary>
    public static List<(int Pid, string Kind)> All() =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateFiles(Directory)
                .Select(f => (Pid: int.TryParse(Path.GetFileName(f), out var pid) ? pid : -1, Kind: KindOf(f)))
                .Where(r => r.Pid > 0)
                .OrderBy(r => r.Kind == Gcs)
                .ToList()
            : [];

    // Records written before the GCS had its own process hold only the session: those are nodes.
    private static string KindOf(string file)
    {
        try
        {
            return File.ReadLines(file).FirstOrDefault() == Gcs ? Gcs : Raylet;
        }
        catch (IOException)
        {
            return Raylet;
        }
    }
}
