namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>
/// A threaded actor whose <see cref="Io"/> calls run in its "io" concurrency group; each gated call marks that it
/// started (a file named after its tag) and returns once its own release file appears (at most 2 minutes).
/// </summary>
public sealed class GroupedActor
{
    public static GroupedActor Create() => new();

    [ConcurrencyGroup("io")]
    public string Io(string directory, string tag) => Gate.Pass(directory, tag);

    public string Compute(string directory, string tag) => Gate.Pass(directory, tag);

    public string Ping() => "pong";
}

/// <summary>The async form of <see cref="GroupedActor"/>: its gated calls await instead of blocking a thread.</summary>
public sealed class AsyncGroupedActor
{
    public static AsyncGroupedActor Create() => new();

    [ConcurrencyGroup("io")]
    public async Task<string> IoAsync(string directory, string tag)
    {
        File.WriteAllText(Path.Combine(directory, tag), "");
        var giveUp = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(Gate.ReleasePath(directory, tag)) && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(10);
        }
        return tag;
    }

    public Task<string> PingAsync() => Task.FromResult("pong");
}

/// <summary>Files that say a call started and let it finish.</summary>
public static class Gate
{
    public static string ReleasePath(string directory, string tag) => Path.Combine(directory, "release-" + tag);

    public static string Pass(string directory, string tag)
    {
        File.WriteAllText(Path.Combine(directory, tag), "");
        var giveUp = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(ReleasePath(directory, tag)) && DateTime.UtcNow < giveUp)
        {
            Thread.Sleep(10);
        }
        return tag;
    }
}
