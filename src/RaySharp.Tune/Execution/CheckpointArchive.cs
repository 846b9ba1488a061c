using System.IO.Compression;

namespace RaySharp.Tune.Execution;

/// <summary>
/// A checkpoint directory as bytes: how it travels from a trial on any node to the driver (through the object
/// store, as the result of an actor call) and back into a restarted trial. No shared filesystem is assumed.
/// </summary>
internal static class CheckpointArchive
{
    public static byte[] Pack(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The checkpoint directory {directory} does not exist.");
        }
        using var stream = new MemoryStream();
        ZipFile.CreateFromDirectory(directory, stream, CompressionLevel.Fastest, includeBaseDirectory: false);
        return stream.ToArray();
    }

    /// <summary>Unpacks into <paramref name="directory"/>, which is made (or emptied) first.</summary>
    public static void Unpack(byte[] archive, string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        Directory.CreateDirectory(directory);
        using var stream = new MemoryStream(archive, writable: false);
        ZipFile.ExtractToDirectory(stream, directory, overwriteFiles: true);
    }
}
