namespace RaySharp.Bench.Soak;

/// <summary>Bytes of the files under directories that the cluster writes while it runs, for the disk series.</summary>
public static class DiskUsage
{
    /// <summary>
    /// The apparent size (length) of every regular file under <paramref name="paths"/> (directories,
    /// walked recursively, or single files); missing ones count zero. Length rather than blocks: a spill
    /// file or a log that grows shows at once, not when the filesystem allocates its next extent.
    /// </summary>
    public static long Bytes(IEnumerable<string> paths)
    {
        long total = 0;
        foreach (var path in paths)
        {
            total += File.Exists(path) ? Length(new FileInfo(path)) : DirectoryBytes(path);
        }
        return total;
    }

    private static long DirectoryBytes(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        long total = 0;
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
            foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", options))
            {
                total += Length(file);
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Removed while walking (a session that ended, a spill directory emptied).
        }
        return total;
    }

    private static long Length(FileInfo file)
    {
        try
        {
            return file.Length;
        }
        catch (FileNotFoundException)
        {
            // Deleted between listing and reading (a freed spill file).
            return 0;
        }
    }
}
