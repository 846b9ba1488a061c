namespace RaySharp.Tune;

/// <summary>
/// A checkpoint: a directory of files a trial wrote (Ray's <c>tune.Checkpoint</c>). A trial reports one with
/// <see cref="TrialContext.Report"/>; it is packed at once, handed to the driver through the object store and
/// saved under <see cref="RunConfig.StoragePath"/> on the driver's machine, so trials on any node need no shared
/// filesystem. A restarted or exploited trial finds it again with <see cref="TrialContext.GetCheckpoint"/>.
/// </summary>
public sealed class Checkpoint
{
    private Checkpoint(string path) => Path = path;

    /// <summary>The directory that holds the checkpoint's files.</summary>
    public string Path { get; }

    /// <summary>A checkpoint of the files in a directory (Ray's <c>Checkpoint.from_directory</c>).</summary>
    /// <param name="path">An existing directory.</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="ArgumentException">The directory does not exist.</exception>
    public static Checkpoint FromDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!Directory.Exists(path))
        {
            throw new ArgumentException($"The checkpoint directory {path} does not exist.", nameof(path));
        }
        return new Checkpoint(System.IO.Path.GetFullPath(path));
    }

    /// <inheritdoc/>
    public override string ToString() => $"Checkpoint({Path})";
}
