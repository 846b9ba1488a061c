using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>A raylet configuration for pieces tested without a running raylet (nothing is listened on or mapped).</summary>
internal static class RayletTesting
{
    public static RayletConfig Config(string dotnetHost = "/bin/false", string directory = "/nonexistent") => new()
    {
        Resources = new Dictionary<string, double> { ["CPU"] = 1 },
        GcsEndpoint = "127.0.0.1:1",
        Endpoint = "127.0.0.1:0",
        ObjectStoreMemory = 75 << 20,
        ObjectStoreDirectory = directory,
        FallbackStoreDirectory = directory,
        SpillDirectory = directory,
        SocketDirectory = directory,
        LogDirectory = directory,
        DefaultWorkerLaunch = new WorkerLaunch { AppDir = directory },
        DotnetHost = dotnetHost,
    };
}
