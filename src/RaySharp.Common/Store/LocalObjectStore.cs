using RaySharp.Common.Ids;

namespace RaySharp.Common.Store;

/// <summary>
/// The node's object store as every process on the node sees it: one file per sealed object in a
/// shared-memory directory (/dev/shm). A writer creates "id.tmp" and renames it when complete, so a
/// reader never sees a half-written object; after the rename the object is immutable (sealed).
/// The first byte of a file is the payload format, the rest is the payload.
/// </summary>
public sealed class LocalObjectStore
{
    private const string TempSuffix = ".tmp";

    public LocalObjectStore(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    private string PathOf(ObjectId id) => Path.Combine(Directory, id.ToString());

    /// <summary>Creates and seals an object whose bytes are written by <paramref name="write"/>.</summary>
    public long Create(ObjectId id, byte format, Action<Stream> write)
    {
        var path = PathOf(id);
        var temp = path + "." + Environment.ProcessId + TempSuffix;
        long length;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
        {
            stream.WriteByte(format);
            write(stream);
            length = stream.Length - 1;
        }
        File.Move(temp, path, overwrite: true);
        return length;
    }

    public long Create(ObjectId id, byte format, ReadOnlySpan<byte> data)
    {
        var path = PathOf(id);
        var temp = path + "." + Environment.ProcessId + TempSuffix;
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None, preallocationSize: data.Length + 1))
        {
            RandomAccess.Write(handle, [format], 0);
            RandomAccess.Write(handle, data, 1);
        }
        File.Move(temp, path, overwrite: true);
        return data.Length;
    }

    /// <summary>Reads a sealed object: its format and its bytes; false when the store does not hold it.</summary>
    public bool TryRead(ObjectId id, out byte format, out byte[] data)
    {
        try
        {
            using var handle = File.OpenHandle(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            Span<byte> head = stackalloc byte[1];
            RandomAccess.Read(handle, head, 0);
            format = head[0];
            data = GC.AllocateUninitializedArray<byte>((int)Math.Min(length - 1, Array.MaxLength));
            var read = 0;
            while (read < data.Length)
            {
                var n = RandomAccess.Read(handle, data.AsSpan(read), 1 + read);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            return true;
        }
        catch (FileNotFoundException)
        {
            format = 0;
            data = [];
            return false;
        }
    }

    /// <summary>Opens a sealed object for reading; the caller disposes the handle.</summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle? TryOpen(ObjectId id)
    {
        try
        {
            return File.OpenHandle(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public bool Contains(ObjectId id) => File.Exists(PathOf(id));

    public void Delete(ObjectId id)
    {
        try
        {
            File.Delete(PathOf(id));
        }
        catch (IOException)
        {
            // Already gone: deleting is idempotent.
        }
    }
}
