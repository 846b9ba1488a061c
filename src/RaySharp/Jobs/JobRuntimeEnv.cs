namespace RaySharp;

/// <summary>
/// The runtime environment of a submitted job (Ray's runtime_env for jobs): a local directory the client
/// zips and uploads, which the head unpacks and runs the entrypoint in, and environment variables of the
/// entrypoint's process. A driver the entrypoint starts makes both the job's runtime env (under its own
/// <see cref="RayConfig.RuntimeEnv"/>), so the job's tasks and actors run in that directory with those variables too.
/// Values may reference variables as Ray's do: <c>${NAME}</c> (empty when unset) or <c>$NAME</c>.
/// </summary>
public sealed record JobRuntimeEnv
{
    /// <summary>A local directory: zipped (at most 100 MiB), uploaded to the cluster once per content, and the entrypoint's working directory on the head.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>Environment variables of the entrypoint, and of the job's tasks and actors.</summary>
    public IReadOnlyDictionary<string, string> EnvVars { get; init; } = new Dictionary<string, string>();
}
