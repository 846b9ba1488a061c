using System.Globalization;

namespace RaySharp.Cli;

/// <summary>
/// The processes `raysharp start` started on this machine, for `raysharp stop`: one file per process
/// under [temp]/raysharp/nodes, named by its pid and holding its kind, its session directory and the
/// address of its cluster's GCS (once known), so `raysharp stop --address` stops one cluster only, and
/// the process's start time: a record left by a killed process names a pid that Linux hands out again,
/// and `raysharp stop` must not signal the stranger that got it.
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
        var started = Common.Processes.ProcessStartTime.Of(pid)?.ToString(CultureInfo.InvariantCulture) ?? "";
        Common.Security.PrivateFiles.WriteAllText(Path.Combine(Directory, pid.ToString(CultureInfo.InvariantCulture)),
            string.Join('\n', kind, session, gcsAddress ?? "", started));
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
    /// processes of that cluster. A record whose pid now belongs to another process is removed, not returned.
    /// </summary>
    public static List<(int Pid, string Kind)> All(string? gcsAddress = null) =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateFiles(Directory)
                .Select(f => (Pid: int.TryParse(Path.GetFileName(f), out var pid) ? pid : -1, Lines: Lines(f)))
                .Where(r => r.Pid > 0 && (gcsAddress is null || (r.Lines.Length > 2 && r.Lines[2] == gcsAddress)))
                .Where(r => IsRecordedProcess(r.Pid, r.Lines))
                // Records written before the GCS had its own process hold only the session: those are nodes.
                .Select(r => (r.Pid, Kind: r.Lines.FirstOrDefault() == Gcs ? Gcs : Raylet))
                .OrderBy(r => r.Kind == Gcs)
                .ToList()
            : [];

    /// <summary>False (and the record removed) when the pid has exited or now runs a process started after the record's.</summary>
    private static bool IsRecordedProcess(int pid, string[] lines)
    {
        // Records written before start times were kept hold at most three lines: trusted as before.
        if (lines.Length < 4 || !long.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var recorded))
        {
            return true;
        }
        if (Common.Processes.ProcessStartTime.Of(pid) == recorded)
        {
            return true;
        }
        Remove(pid);
        return false;
    }

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
