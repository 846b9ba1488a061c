using System.Runtime.InteropServices;

namespace RaySharp.Common.Security;

/// <summary>
/// Directories and files only this user can read or change: session directories, the package cache,
/// the token and the recorded-cluster file. A predictable path under /tmp could be created first by
/// another local user to plant files in, so an existing directory is used only when this user owns it
/// and it is no symbolic link; its mode is then tightened to 0700.
/// </summary>
public static partial class PrivateFiles
{
    /// <summary>rwx for the owner only.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>rw for the owner only.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>This process's effective user id (0 where there is none).</summary>
    public static uint UserId => OperatingSystem.IsWindows() ? 0 : Native.GetEffectiveUserId();

    /// <summary>Creates <paramref name="path"/> (and missing parents) as 0700, or checks that an existing one is this user's.</summary>
    /// <exception cref="UnauthorizedAccessException">The directory belongs to another user or is a symbolic link.</exception>
    public static string EnsureDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            Directory.CreateDirectory(path);
            return path;
        }
        if (!Directory.Exists(path))
        {
            var parent = Path.GetDirectoryName(Path.GetFullPath(path));
            if (parent is not null && !Directory.Exists(parent))
            {
                Directory.CreateDirectory(parent);
            }
            try
            {
                Directory.CreateDirectory(path, DirectoryMode);
            }
            catch (IOException) when (Directory.Exists(path))
            {
                // Created by another process of ours at the same moment: checked below like any existing one.
            }
        }
        var (owner, isDirectory) = Stat(path);
        if (!isDirectory || owner != Native.GetEffectiveUserId())
        {
            throw new UnauthorizedAccessException(
                $"{path} is {(isDirectory ? $"owned by uid {owner}" : "not a directory (a symbolic link?)")}, not by this user (uid {Native.GetEffectiveUserId()}): " +
                "RaySharp keeps its sessions, tokens and packages only in a directory of its own user. Remove it or set TMPDIR elsewhere.");
        }
        if ((File.GetUnixFileMode(path) & ~DirectoryMode) != 0)
        {
            File.SetUnixFileMode(path, DirectoryMode);
        }
        return path;
    }

    /// <summary>Writes <paramref name="contents"/> to a new 0600 file that replaces <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string contents) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(contents));

    /// <summary>Writes <paramref name="bytes"/> to a new 0600 file that replaces <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + ".tmp" + Environment.ProcessId + "_" + Environment.CurrentManagedThreadId;
        using (var stream = Create(temp))
        {
            stream.Write(bytes);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Creates <paramref name="path"/> as a new 0600 file (fails when it exists).</summary>
    public static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }
        return new FileStream(path, options);
    }

    private static unsafe (uint Owner, bool IsDirectory) Stat(string path)
    {
        // statx has one layout on every Linux architecture (stat does not): uid at byte 20, mode at 28.
        const int AtFdCwd = -100;
        const int AtSymlinkNoFollow = 0x100;
        const uint StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8;
        var buffer = stackalloc byte[256];
        if (Native.StatX(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid, buffer) != 0)
        {
            throw new IOException($"Cannot inspect {path}: errno {Marshal.GetLastPInvokeError()}.");
        }
        var owner = *(uint*)(buffer + 20);
        var mode = *(ushort*)(buffer + 28);
        const int TypeMask = 0xF000, Directory = 0x4000;
        return (owner, (mode & TypeMask) == Directory);
    }

    private static unsafe partial class Native
    {
        [LibraryImport("libc", EntryPoint = "geteuid")]
        public static partial uint GetEffectiveUserId();

        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int StatX(int dirfd, string path, int flags, uint mask, byte* buffer);
    }
}
