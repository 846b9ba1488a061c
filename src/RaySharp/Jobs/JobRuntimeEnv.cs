namespace RaySharp;

/// <summary>
/// The runtime environment of a submitted job (Ray's runtime_env for jobs): a local directory the client
/// zips and uploads, which the head unpacks and runs the entrypoint in, and environment variables of the
/// entrypoint's process.
/// </summary>
public sealed record JobRuntimeEnv
{
    /// <summary>A local directory: zipped (at most 100 MiB), uploaded to the cluster once per content, and the entrypoint's working directory on the head.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>Environment variables of the entrypoint (and so of the driver it starts).</summary>
    public IReadOnlyDictionary<string, string> EnvVars { get; init; } = new Dictionary<string, string>();
}
