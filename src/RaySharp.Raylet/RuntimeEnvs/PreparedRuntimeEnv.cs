using RaySharp.Protocol;

namespace RaySharp.Raylet.RuntimeEnvs;

/// <summary>
/// A runtime env set up on this node: what a worker process for it is started with. <see cref="Key"/> names
/// the environment (the worker pool keeps workers per key); <see cref="Hold"/> keeps its working dir from the
/// package cache's eviction until the pool holds it for its workers.
/// </summary>
public sealed record PreparedRuntimeEnv(string Key, RuntimeEnv Env, string? WorkingDir, IDisposable? Hold) : IDisposable
{
    /// <summary>Lets go of the set-up's hold on the working dir (the worker pool takes its own).</summary>
    public void Dispose() => Hold?.Dispose();
}
