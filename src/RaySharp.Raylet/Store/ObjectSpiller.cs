namespace RaySharp.Raylet.Store;

/// <summary>
/// Writes primary copies from the store's memory to local disk and reads them back (Ray's spill
/// workers, done here with plain file I/O). Objects spilled together are fused into one file, so many
/// small objects do not turn into many small files.
/// </summary>
internal sealed unsafe class ObjectSpiller(string directory)
{
    // Spans are int-sized; copies go in slices of this many bytes.
    private const int Slice = 64 << 20;

    private int _files;

    public string Directory { get; } = directory;

    /// <summary>Writes the objects (all in memory, none pinned for writing) into one new file.</summary>
    public List<SpillLocation> Write(Common.Store.SharedMemoryRegion memory, IReadOnlyList<StoredObject> objects)
    {
        var region = memory.Base;
        Common.Security.PrivateFiles.EnsureDirectory(Directory);
        var path = Path.Combine(Directory, $"spill_{Interlocked.Increment(ref _files)}_{Guid.NewGuid().ToString("N")[..8]}.bin");
        var file = new SpillFile(path, objects.Count);
        var locations = new List<SpillLocation>(objects.Count);
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, FileOptions.None, objects.Sum(o => o.Size));
        long position = 0;
        foreach (var obj in objects)
        {
            locations.Add(new SpillLocation(file, position));
            for (long done = 0; done < obj.Size; done += Slice)
            {
                var length = (int)Math.Min(Slice, obj.Size - done);
                RandomAccess.Write(handle, new ReadOnlySpan<byte>(region + obj.Offset + done, length), position + done);
            }
            position += obj.Size;
        }
        return locations;
    }

    /// <summary>Reads a spilled object back into the region at <paramref name="offset"/>.</summary>
    public static void Read(SpillLocation location, long size, Common.Store.SharedMemoryRegion memory, long offset)
    {
        var region = memory.Base;
        using var handle = File.OpenHandle(location.File.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        for (long done = 0; done < size;)
        {
            var length = (int)Math.Min(Slice, size - done);
            var read = RandomAccess.Read(handle, new Span<byte>(region + offset + done, length), location.Offset + done);
            if (read == 0)
            {
                throw new IOException($"Spill file {location.File.Path} ends before the object does.");
            }
            done += read;
        }
    }

    public static void Delete(SpillFile file)
    {
        try
        {
            File.Delete(file.Path);
        }
        catch (IOException)
        {
            // Gone already; the session directory goes at shutdown anyway.
        }
    }
}
