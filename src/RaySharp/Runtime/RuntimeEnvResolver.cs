using System.Runtime.CompilerServices;
using Grpc.Core;
using RaySharp.Common.RuntimeEnvs;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Turns a <see cref="RaySharp.RuntimeEnv"/> into what travels with a task or actor: its working dir
/// uploaded (once per <see cref="RaySharp.RuntimeEnv"/> object: it is immutable), merged with the environment
/// this process's work inherits (Ray: env vars merged, the child's own win; other fields replaced), and keyed,
/// so the submitter keeps one scheduling class, hence one pool of leased workers, per environment.
/// </summary>
internal sealed class RuntimeEnvResolver(Protocol.Gcs.GcsClient gcs)
{
    private readonly ConditionalWeakTable<RaySharp.RuntimeEnv, Resolved> _resolved = [];

    /// <summary>A resolved environment: the merged message and its key, or why it cannot be set up.</summary>
    internal sealed record Resolved(Protocol.RuntimeEnv? Env, string Key, string? Error)
    {
        public static readonly Resolved None = new(null, "", null);
    }

    /// <summary>
    /// What tasks and actors of this process run in when they set no environment of their own: a driver's
    /// <see cref="RayConfig.RuntimeEnv"/>, or the environment this worker process was started with.
    /// </summary>
    public Resolved Inherited { get; private set; } = Resolved.None;

    /// <summary>A driver's job-wide environment, set as it starts.</summary>
    /// <exception cref="RuntimeEnvSetupException">Its working dir is missing or cannot be uploaded.</exception>
    public void SetJobEnv(RaySharp.RuntimeEnv? env)
    {
        // A driver started by the job API: the submitted runtime env is the job's too, under the driver's own.
        env = SubmittedJobEnv.Merge(env);
        var resolved = env is null ? Resolved.None : Resolve(env);
        if (resolved.Error is { } error)
        {
            throw new RuntimeEnvSetupException($"The job's runtime environment (RayConfig.RuntimeEnv) cannot be set up: {error}");
        }
        Inherited = resolved;
    }

    /// <summary>A worker's environment, as its raylet passed it (tasks it submits inherit it).</summary>
    public void SetWorkerEnv(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded))
        {
            return;
        }
        var env = Protocol.RuntimeEnv.Parser.ParseFrom(Convert.FromBase64String(encoded));
        Inherited = new Resolved(env, RuntimeEnvRules.Key(env), null);
    }

    /// <summary>The environment a task or actor with <paramref name="own"/> (null: none of its own) runs in.</summary>
    public Resolved For(RaySharp.RuntimeEnv? own) => own is null ? Inherited : _resolved.GetValue(own, Resolve);

    private Resolved Resolve(RaySharp.RuntimeEnv own)
    {
        var merged = Inherited.Env?.Clone() ?? new Protocol.RuntimeEnv();
        foreach (var (name, value) in own.EnvVars)
        {
            merged.EnvVars[name] = value;
        }
        if (own.Config is { } config)
        {
            merged.SetupTimeoutSeconds = config.SetupTimeout == Timeout.InfiniteTimeSpan ? -1 : config.SetupTimeout.TotalSeconds;
        }
        if (own.WorkingDir is { } dir)
        {
            var full = Path.GetFullPath(dir);
            if (!Directory.Exists(full))
            {
                return new Resolved(null, "", $"the working dir '{dir}' ({full}) does not exist or is not a directory.");
            }
            try
            {
                merged.HasWorkingDir = true;
                merged.WorkingDir.Clear();
                merged.WorkingDir.AddRange(CodePackage.Upload(gcs, full));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or RpcException)
            {
                return new Resolved(null, "", $"the working dir '{full}' could not be uploaded: {ex.Message}");
            }
        }
        return RuntimeEnvRules.IsEmpty(merged) ? Resolved.None : new Resolved(merged, RuntimeEnvRules.Key(merged), null);
    }
}
