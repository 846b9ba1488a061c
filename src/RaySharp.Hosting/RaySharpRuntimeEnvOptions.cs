namespace RaySharp.Hosting;

/// <summary>The job's runtime environment in <see cref="RaySharpOptions"/> (Ray's <c>runtime_env</c>; see <see cref="RaySharp.RuntimeEnv"/>).</summary>
public sealed class RaySharpRuntimeEnvOptions
{
    /// <summary>Environment variables of the job's worker processes (Ray's <c>env_vars</c>); names starting with RAYSHARP_ are refused.</summary>
    public Dictionary<string, string> EnvVars { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A local directory shipped to the nodes and used as the workers' current directory (Ray's <c>working_dir</c>).</summary>
    public string? WorkingDir { get; set; }

    /// <summary>How long a node may take to set the environment up (Ray's <c>setup_timeout_seconds</c>); null: 600 s.</summary>
    public TimeSpan? SetupTimeout { get; set; }

    /// <summary>The <see cref="RaySharp.RuntimeEnv"/> these settings describe; null when none is set.</summary>
    /// <returns>The environment, or null.</returns>
    /// <exception cref="ArgumentException">A variable name is reserved or invalid, or the setup timeout is not positive.</exception>
    internal RuntimeEnv? ToRuntimeEnv()
    {
        var workingDir = string.IsNullOrEmpty(WorkingDir) ? null : WorkingDir;
        if (EnvVars.Count == 0 && workingDir is null && SetupTimeout is null)
        {
            return null;
        }
        return new RuntimeEnv
        {
            EnvVars = EnvVars,
            WorkingDir = workingDir,
            Config = SetupTimeout is { } timeout ? new RuntimeEnvConfig { SetupTimeout = timeout } : null,
        };
    }
}
