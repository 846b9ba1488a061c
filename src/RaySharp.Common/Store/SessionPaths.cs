using System.Globalization;

namespace RaySharp.Common.Store;

/// <summary>
/// Where one cluster session keeps its files: sockets, logs and spilled objects under
/// /tmp/raysharp-&lt;uid&gt;/session_* (0700: only this user reaches the sockets and files), and the
/// object store in shared memory (/dev/shm, an unlinked 0600 file), or in the session directory where
/// /dev/shm is missing or too small.
/// </summary>
public sealed record SessionPaths(string Root, string SocketDirectory, string LogDirectory, string ObjectStoreDirectory)
{
    /// <summary>Where the store goes when shared memory cannot hold it (disk-backed, still memory-mapped).</summary>
    public string FallbackStoreDirectory => Path.Combine(Root, "object_store");

    /// <summary>Where primary copies are spilled when the store is full.</summary>
    public string SpillDirectory => Path.Combine(Root, "spill");

    public static SessionPaths Create()
    {
        RemoveStale();
        var name = "session_" + DateTime.UtcNow.ToString("yyyy-MM-dd_HH-mm-ss", CultureInfo.InvariantCulture) + "_" + Environment.ProcessId;
        var root = Path.Combine(BaseDirectory, name);
        // The store's file goes straight into /dev/shm and is unlinked as soon as it is open (see
        // SharedMemoryRegion): no directory there that a killed process would leave behind.
        var store = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : Path.Combine(root, "object_store");
        var paths = new SessionPaths(root, Path.Combine(root, "sockets"), Path.Combine(root, "logs"), store);
        Security.PrivateFiles.EnsureDirectory(root);
        Security.PrivateFiles.EnsureDirectory(paths.SocketDirectory);
        Security.PrivateFiles.EnsureDirectory(paths.LogDirectory);
        return paths;
    }

    /// <summary>
    /// Where this user's sessions, node records, CLI logs and package cache live: [temp]/raysharp-&lt;uid&gt;
    /// (or under /tmp when the temp path is so long that socket paths under it would pass the 108-byte
    /// limit of Unix domain socket addresses). Created 0700; one that another user made first is refused
    /// (<see cref="Security.PrivateFiles.EnsureDirectory"/>), so no one else can plant files in it.
    /// </summary>
    public static string BaseDirectory
    {
        get
        {
            var name = "raysharp-" + Security.PrivateFiles.UserId.ToString(CultureInfo.InvariantCulture);
            var path = Path.GetTempPath().Length <= 40 || !System.IO.Directory.Exists("/tmp")
                ? Path.Combine(Path.GetTempPath(), name)
                : Path.Combine("/tmp", name);
            return Security.PrivateFiles.EnsureDirectory(path);
        }
    }

    /// <summary>
    /// Removes what sessions of processes that no longer run left behind (a driver killed by SIGKILL
    /// cannot clean up after itself): the session and driver directories and their shared-memory stores.
    /// </summary>
    public static void RemoveStale()
    {
        var roots = new[] { BaseDirectory, "/dev/shm" };
        foreach (var root in roots.Where(System.IO.Directory.Exists))
        {
            foreach (var dir in System.IO.Directory.EnumerateDirectories(root))
            {
                var name = Path.GetFileName(dir);
                if (!(name.StartsWith("session_", StringComparison.Ordinal) || name.StartsWith("raysharp_session_", StringComparison.Ordinal)
                    || name.StartsWith("driver_", StringComparison.Ordinal)) || OwnerPid(name) is not { } pid || IsRunning(pid))
                {
                    continue;
                }
                if (name.StartsWith("session_", StringComparison.Ordinal) && !System.IO.Directory.Exists(Path.Combine(dir, "sockets")))
                {
                    // Logs kept on purpose (RAYSHARP_KEEP_LOGS) by a session that ended normally.
                    continue;
                }
                TryDelete(dir);
            }
        }
    }

    // session_<date>_<time>_<pid> and driver_<pid>_<id>
    private static int? OwnerPid(string name)
    {
        var parts = name.Split('_');
        var candidate = name.StartsWith("driver_", StringComparison.Ordinal) && parts.Length > 1 ? parts[1] : parts[^1];
        return int.TryParse(candidate, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static bool IsRunning(int pid) => System.IO.Directory.Exists("/proc") ? System.IO.Directory.Exists("/proc/" + pid) : true;

    public string Socket(string name) => "unix:" + Path.Combine(SocketDirectory, name + ".sock");

    /// <summary>
    /// Removes every file of the session: the store and the socket files, and the logs unless
    /// RAYSHARP_KEEP_LOGS=1 asks to keep them for reading afterwards.
    /// </summary>
    public void Delete()
    {
        if (Environment.GetEnvironmentVariable("RAYSHARP_KEEP_LOGS") == "1")
        {
            TryDelete(SocketDirectory);
            return;
        }
        TryDelete(Root);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
