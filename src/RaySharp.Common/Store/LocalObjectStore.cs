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

    /// <summary>Creates and seals an object: written under a temporary name, then renamed.</summary>
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
