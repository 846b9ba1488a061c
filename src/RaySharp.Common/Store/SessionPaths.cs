using System.Globalization;

namespace RaySharp.Common.Store;

/// <summary>
/// Where one cluster session keeps its files: sockets and logs under /tmp/raysharp/session_*, and the
/// object store in shared memory (/dev/shm), or in the session directory where /dev/shm is missing.
/// </summary>
public sealed record SessionPaths(string Root, string SocketDirectory, string LogDirectory, string ObjectStoreDirectory)
{
    public static SessionPaths Create()
    {
        var name = "session_" + DateTime.UtcNow.ToString("yyyy-MM-dd_HH-mm-ss", CultureInfo.InvariantCulture) + "_" + Environment.ProcessId;
        var root = Path.Combine(Path.GetTempPath(), "raysharp", name);
        var store = System.IO.Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", "raysharp_" + name) : Path.Combine(root, "object_store");
        var paths = new SessionPaths(root, Path.Combine(root, "sockets"), Path.Combine(root, "logs"), store);
        System.IO.Directory.CreateDirectory(paths.SocketDirectory);
        System.IO.Directory.CreateDirectory(paths.LogDirectory);
        System.IO.Directory.CreateDirectory(paths.ObjectStoreDirectory);
        return paths;
    }

    public string Socket(string name) => "unix:" + Path.Combine(SocketDirectory, name + ".sock");

    /// <summary>Removes every file of the session: the store and the socket files.</summary>
    public void Delete()
    {
        TryDelete(ObjectStoreDirectory);
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
