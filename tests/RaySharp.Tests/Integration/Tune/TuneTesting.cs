namespace RaySharp.Tests.Integration.Tune;

/// <summary>A storage directory of its own for each Tune test, removed afterwards.</summary>
public sealed class TuneStorage : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"rs-tune-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
