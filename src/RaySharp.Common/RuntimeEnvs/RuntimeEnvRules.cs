using System.Security.Cryptography;
using System.Text;
using RaySharp.Common.Security;
using RaySharp.Protocol;

namespace RaySharp.Common.RuntimeEnvs;

/// <summary>
/// What a runtime environment may hold and how it is named, shared by the driver (which checks it at the
/// call site) and the raylet (which checks it again before it starts a process with it): variable names a
/// process environment can carry and that are not RaySharp's own, working-dir files whose paths stay inside
/// the directory, and one key per distinct environment so workers are pooled per environment.
/// </summary>
public static class RuntimeEnvRules
{
    /// <summary>The variable a worker finds its own runtime environment in (base64 protobuf): tasks it submits inherit it.</summary>
    public const string EnvironmentVariable = "RAYSHARP_RUNTIME_ENV";

    /// <summary>
    /// The variable a submitted job's entrypoint finds the job's env vars in (base64 protobuf RuntimeEnv, as submitted):
    /// its driver makes them the job's runtime env, so its tasks and actors run with them too (Ray's job runtime_env).
    /// </summary>
    public const string JobEnvironmentVariable = "RAYSHARP_JOB_RUNTIME_ENV";

    /// <summary>The directory a submitted job's working_dir was unpacked in on the head: its driver ships it to its workers.</summary>
    public const string JobWorkingDirVariable = "RAYSHARP_JOB_WORKING_DIR";

    /// <summary>Names RaySharp sets itself (cluster token, TLS files, addresses): a runtime env may not replace them.</summary>
    public const string ReservedPrefix = "RAYSHARP_";

    /// <summary>Ray's default <c>setup_timeout_seconds</c>.</summary>
    public static readonly TimeSpan DefaultSetupTimeout = TimeSpan.FromSeconds(600);

    /// <summary>The longest finite setup timeout (timers take at most ~49 days; beyond a month, ask for no limit).</summary>
    public static readonly TimeSpan MaxSetupTimeout = TimeSpan.FromDays(30);

    /// <summary>Why the variable name is refused, or null when a runtime env may set it.</summary>
    public static string? NameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "an environment variable name must not be empty";
        }
        if (name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            return $"the environment variable name '{name}' contains '=' or a NUL character";
        }
        return name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase)
            ? $"the environment variable {name} is RaySharp's own (names starting with {ReservedPrefix} are reserved)"
            : null;
    }

    /// <summary>Why <paramref name="env"/> is refused, or null when it is well formed.</summary>
    public static string? Problem(RuntimeEnv env)
    {
        foreach (var (name, value) in env.EnvVars)
        {
            if (NameProblem(name) is { } problem)
            {
                return problem;
            }
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                return $"the value of environment variable {name} contains a NUL character";
            }
        }
        // NaN fails every comparison, so it is refused with the rest (a request is not trusted to come from our driver).
        if (!(env.SetupTimeoutSeconds is -1 or 0 || (env.SetupTimeoutSeconds > 0 && env.SetupTimeoutSeconds <= MaxSetupTimeout.TotalSeconds)))
        {
            return $"the setup timeout {env.SetupTimeoutSeconds} s is not between 0 and {MaxSetupTimeout.TotalDays:0} days, nor -1 (no limit)";
        }
        // The working dir is a package like a job's code: the same rules keep its files inside its directory.
        var asPackage = new WorkerLaunch();
        asPackage.Package.AddRange(env.WorkingDir);
        return WorkerLaunchRules.Problem(asPackage) is { } files ? "working dir: " + files : null;
    }

    /// <summary>How long setting <paramref name="env"/> up may take (<see cref="Timeout.InfiniteTimeSpan"/>: no limit).</summary>
    public static TimeSpan SetupTimeout(RuntimeEnv env) => env.SetupTimeoutSeconds switch
    {
        -1 => Timeout.InfiniteTimeSpan,
        > 0 => TimeSpan.FromSeconds(Math.Min(env.SetupTimeoutSeconds, MaxSetupTimeout.TotalSeconds)),
        _ => DefaultSetupTimeout,
    };

    /// <summary>Whether <paramref name="env"/> asks for nothing (no variables, no working dir): workers need no set-up for it.</summary>
    public static bool IsEmpty(RuntimeEnv? env) => env is null || (env.EnvVars.Count == 0 && !env.HasWorkingDir);

    /// <summary>
    /// One name per distinct environment (its variables and its working dir's files, in a canonical order):
    /// two tasks whose environments have the same key can share a worker process. The setup timeout is not
    /// part of it: it changes how long setting up may take, not what a process gets.
    /// </summary>
    public static string Key(RuntimeEnv env)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in env.EnvVars.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            text.Append("env\u001f").Append(name).Append('\u001f').Append(value).Append('\u001e');
        }
        if (env.HasWorkingDir)
        {
            text.Append("dir\u001e");
            foreach (var file in env.WorkingDir.OrderBy(f => f.Path, StringComparer.Ordinal))
            {
                text.Append(file.Path).Append('\u001f').Append(file.Hash).Append('\u001e');
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..24];
    }
}
