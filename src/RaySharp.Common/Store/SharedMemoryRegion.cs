using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace RaySharp.Common.Store;

/// <summary>
/// The object store's memory: one file mapped by every process of the node (Ray's plasma region).
/// The raylet creates the file, sizes it (sparse: pages are taken only when written) and unlinks it at
/// once; other processes open it through /proc/&lt;raylet pid&gt;/fd/&lt;fd&gt;. So the memory is returned
/// the moment the last process that maps it exits, even when the raylet is killed: nothing is left
/// behind in /dev/shm.
/// </summary>
public sealed unsafe class SharedMemoryRegion : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    private SharedMemoryRegion(SafeFileHandle file, long capacity, string path)
    {
        _file = file;
        Capacity = capacity;
        Path = path;
        _map = MemoryMappedFile.CreateFromFile(file, null, capacity, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, capacity, MemoryMappedFileAccess.ReadWrite);
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _base);
    }

    /// <summary>The path other processes of the node open to map the same memory.</summary>
    public string Path { get; }

    public long Capacity { get; }

    /// <summary>The first byte of the mapping in this process.</summary>
    public byte* Base => _base;

    /// <summary>Creates the region in <paramref name="directory"/> (the raylet's side).</summary>
    public static SharedMemoryRegion Create(string directory, long capacity)
    {
        System.IO.Directory.CreateDirectory(directory);
        var file = System.IO.Path.Combine(directory, "plasma_" + Environment.ProcessId + "_" + Guid.NewGuid().ToString("N")[..8]);
        var handle = File.OpenHandle(file, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // Before any byte is written: the node's objects are this user's alone.
                File.SetUnixFileMode(handle, Security.PrivateFiles.FileMode);
            }
            RandomAccess.SetLength(handle, capacity);
            string shared;
            if (OperatingSystem.IsLinux())
            {
                // Unlinked now: the open descriptors (ours and those opened through /proc) keep it alive.
                File.Delete(file);
                shared = $"/proc/{Environment.ProcessId}/fd/{handle.DangerousGetHandle()}";
            }
            else
            {
                shared = file;
            }
            return new SharedMemoryRegion(handle, capacity, shared);
        }
        catch
        {
            handle.Dispose();
            File.Delete(file);
            throw;
        }
    }

    /// <summary>Maps the region another process created (a core worker's side).</summary>
    public static SharedMemoryRegion Open(string path, long capacity)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        return new SharedMemoryRegion(handle, capacity, path);
    }

    /// <summary>
    /// True when a directory's file system has room for <paramref name="capacity"/> bytes: a sparse
    /// mapping larger than a tmpfs can hold would fault (SIGBUS) when written, not fail cleanly.
    /// </summary>
    public static bool HasRoom(string directory, long capacity)
    {
        try
        {
            var root = System.IO.Directory.Exists(directory) ? directory : System.IO.Path.GetDirectoryName(directory);
            return root is not null && new DriveInfo(root).AvailableFreeSpace >= capacity;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _base = null;
        }
        _view.Dispose();
        _map.Dispose();
        _file.Dispose();
    }
}
