using System.Reflection;

namespace RaySharp.Common;

/// <summary>
/// The version of RaySharp this process runs. The GCS refuses nodes and drivers of another version, as
/// Ray does: processes of different versions may not agree on the protocol or on how values are encoded.
/// </summary>
public static class RaySharpVersion
{
    /// <summary>The informational version without its build metadata (what follows '+').</summary>
    public static string Current { get; } = Read();

    /// <summary>Why a peer of <paramref name="peerVersion"/> cannot join, or null when it can.</summary>
    public static string? Mismatch(string peerVersion, string what) => peerVersion == Current
        ? null
        : $"RaySharp version mismatch: this {what} runs RaySharp {(peerVersion.Length == 0 ? "(unknown version)" : peerVersion)}, the cluster runs RaySharp {Current}. Run the same version everywhere.";

    private static string Read()
    {
        var version = typeof(RaySharpVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(RaySharpVersion).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
