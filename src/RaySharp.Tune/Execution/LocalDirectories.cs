namespace RaySharp.Tune.Execution;

/// <summary>Scratch directories of a trial actor (unpacked checkpoints, checkpoints being written), under the node's temp directory.</summary>
internal static class LocalDirectories
{
    public static string New(string trialName) =>
        Path.Combine(Path.GetTempPath(), $"raysharp-tune-{Environment.ProcessId}", $"{trialName}-{Guid.NewGuid():N}");

    public static void Remove(string? directory)
    {
        if (directory is null)
        {
            return;
        }
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Scratch space: the node's temp cleaning gets what is left.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
