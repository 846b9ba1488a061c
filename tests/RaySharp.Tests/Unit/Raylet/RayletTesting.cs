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

    /// <summary>
    /// Writes a stand-in dotnet host into <paramref name="directory"/> that neither registers nor exits for a minute,
    /// so each launched worker stays starting until the test registers it or kills it. Unix only (a shell script).
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static string HangingHost(string directory)
    {
        var hang = Path.Combine(directory, "hang.sh");
        File.WriteAllText(hang, "#!/bin/sh\nexec sleep 60\n");
        File.SetUnixFileMode(hang, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return hang;
    }
}
