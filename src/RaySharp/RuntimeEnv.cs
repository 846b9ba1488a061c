using RaySharp.Common.RuntimeEnvs;

namespace RaySharp;

/// <summary>
/// Ray's runtime environment: what the worker processes that run a job's, a task's or an actor's code are
/// started with. Set it for the whole job with <see cref="RayConfig.RuntimeEnv"/>, or per call with
/// <c>SetRuntimeEnv</c> on a task or actor. A task's or actor's environment is merged with the job's (or, inside
/// a task, with the one that task runs in): its <see cref="EnvVars"/> are added to the parent's (its own win),
/// and its <see cref="WorkingDir"/> and <see cref="Config"/>, when set, replace the parent's. Tasks and actors
/// they submit inherit the environment they run in. Workers are pooled per environment: a worker set up for
/// one never runs a task of another. When an environment cannot be set up (a missing directory, a worker that
/// cannot start with it, a setup that outlasts <see cref="RuntimeEnvConfig.SetupTimeout"/>), the task fails with
/// <see cref="RuntimeEnvSetupException"/>.
/// </summary>
/// <example>
/// <code>
/// var env = new RuntimeEnv { EnvVars = new Dictionary&lt;string, string&gt; { ["MODE"] = "fast" }, WorkingDir = "./data" };
/// var text = Ray.Get(Ray.Task(() =&gt; File.ReadAllText("input.txt")).SetRuntimeEnv(env).Remote());
/// </code>
/// </example>
public sealed class RuntimeEnv
{
    private readonly IReadOnlyDictionary<string, string> _envVars = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Environment variables set in the worker process (Ray's <c>env_vars</c>), visible to
    /// <see cref="Environment.GetEnvironmentVariable(string)"/>, native code and child processes. Names starting
    /// with <c>RAYSHARP_</c> are RaySharp's own and refused. As in Ray, a value may reference the worker's variables:
    /// <c>${NAME}</c> (empty when unset) or <c>$NAME</c>, e.g. <c>"${LD_LIBRARY_PATH}:/opt/lib"</c> appends.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty, contains '=' or NUL, or starts with <c>RAYSHARP_</c>; a value is null or contains NUL.</exception>
    public IReadOnlyDictionary<string, string> EnvVars
    {
        get => _envVars;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            // Copied: the caller's dictionary may change after this environment is built.
            var copy = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, text) in value)
            {
                if (RuntimeEnvRules.NameProblem(name) is { } problem)
                {
                    throw new ArgumentException($"RuntimeEnv.EnvVars: {problem}.", nameof(EnvVars));
                }
                if (text is null || text.Contains('\0', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"RuntimeEnv.EnvVars: the value of {name} is null or contains a NUL character.", nameof(EnvVars));
                }
                copy[name] = text;
            }
            _envVars = copy;
        }
    }

    /// <summary>
    /// A local directory (absolute, or relative to this process's current directory) shipped to every node that
    /// runs the work (Ray's <c>working_dir</c>): its files are uploaded once, content-addressed, copied into each
    /// node's package cache, and the worker process starts there as its current directory, so relative paths
    /// read the directory's files. Writes go to that copy, never back to the original. Null: the parent's.
    /// </summary>
    public string? WorkingDir { get; init; }

    /// <summary>How the environment is set up (Ray's <c>RuntimeEnvConfig</c>); null: the parent's, else the defaults.</summary>
    public RuntimeEnvConfig? Config { get; init; }
}
