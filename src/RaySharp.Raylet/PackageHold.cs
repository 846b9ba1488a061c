namespace RaySharp.Raylet;

/// <summary>
/// A claim on one cached package directory: while any process holds one, no raylet of this machine
/// evicts the directory. It is a shared advisory lock (flock, which .NET takes for any FileShare but
/// None) on the directory's lock file, so the claim ends with the process however it ends.
/// </summary>
public sealed class PackageHold : IDisposable
{
    private readonly FileStream _lock;

    private PackageHold(FileStream lockFile) => _lock = lockFile;

    /// <summary>
    /// A shared lock on <paramref name="lockPath"/>; null when an evictor holds it exclusively now, or
    /// (without <paramref name="create"/>) when the file is not there.
    /// </summary>
    internal static PackageHold? TryTake(string lockPath, bool create)
    {
        try
        {
            return new PackageHold(new FileStream(lockPath, Options(create ? FileMode.OpenOrCreate : FileMode.Open, FileShare.ReadWrite | FileShare.Delete)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // FileNotFound, or the sharing violation of an exclusive lock held elsewhere.
            return null;
        }
    }

    /// <summary>
    /// An exclusive lock on <paramref name="lockPath"/> (for eviction, or the cache-wide lock); null while
    /// anyone holds it.
    /// </summary>
    internal static FileStream? TryExclusive(string lockPath)
    {
        try
        {
            return new FileStream(lockPath, Options(FileMode.OpenOrCreate, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    // Read access: .NET then takes LOCK_SH for any sharing but None (LOCK_EX) on every file system.
    private static FileStreamOptions Options(FileMode mode, FileShare share)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Read, Share = share };
        if (!OperatingSystem.IsWindows() && mode != FileMode.Open)
        {
            options.UnixCreateMode = Common.Security.PrivateFiles.FileMode;
        }
        return options;
    }

    public void Dispose() => _lock.Dispose();
}
