using System.Reflection;
using System.Reflection.PortableExecutable;

namespace RaySharp.Bench;

/// <summary>
/// Whether the RaySharp assemblies this bench runs are precompiled (ReadyToRun, what the package gives linux-x64) or
/// IL only: worker starts and warm-up differ by a fifth between the two, so every run says which it measured.
/// </summary>
internal static class CodeLayout
{
    public static string Describe() =>
        string.Join(", ", new[] { "RaySharp", "RaySharp.Common" }.Select(name =>
        {
            var path = Assembly.Load(name).Location;
            return $"{Path.GetFileName(path)} {(IsReadyToRun(path) ? "precompiled (ReadyToRun)" : "IL")}";
        }));

    private static bool IsReadyToRun(string path)
    {
        using var reader = new PEReader(File.OpenRead(path));
        // A ReadyToRun image points its CLI header's managed-native header at its native code.
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }
}
