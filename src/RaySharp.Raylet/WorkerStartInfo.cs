using System.Diagnostics;
using RaySharp.Common.Security;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// The one command a raylet runs: its own dotnet host on RaySharp.dll in a job's application directory
/// (the driver's own on the driver's node, a verified copy elsewhere), loading the job's assemblies
/// through the deps and runtime-config files named there. Nothing of a request becomes a program name or
/// an argument outside that directory, so registering a job cannot make a node run a command. A runtime
/// env's variables (Ray's env_vars) and working dir are the one part a request sets, as Ray lets a job's
/// code ask for them; RaySharp's own variables are refused (<see cref="Common.RuntimeEnvs.RuntimeEnvRules"/>).
/// The cluster's token and TLS files reach the worker through its environment.
/// </summary>
public static class WorkerStartInfo
{
    /// <summary>The worker host inside the application directory: RaySharp.dll's entry point is the worker's main.</summary>
    public const string WorkerAssembly = "RaySharp.dll";

    /// <summary>glibc's bound on malloc arenas, which the raylet sets to 2 for its workers unless its own environment sets it.</summary>
    public const string MallocArenaMaxVariable = "MALLOC_ARENA_MAX";

    /// <summary>The runtime's setting for gen0's allocation budget (hex bytes), which the raylet sets for its workers.</summary>
    public const string Gen0BudgetVariable = "DOTNET_GCgen0size";

    /// <summary>The workers' gen0 budget unless the node's own environment sets one: 16 MB, in the runtime's hex.</summary>
    public const string Gen0Budget = "0x1000000";

    /// <summary>
    /// The process to start for <paramref name="launch"/>, before the per-worker arguments; with a runtime env,
    /// its variables set (after the runtime's own tunables, so an env may change those; before the cluster's
    /// security settings, which it may not) and its working dir as the current directory.
    /// </summary>
    /// <exception cref="WorkerLaunchRefusedException">The launch is malformed or its files are missing on this node.</exception>
    public static ProcessStartInfo Build(WorkerLaunch launch, RayletConfig config, RuntimeEnvs.PreparedRuntimeEnv? env = null)
    {
        if (WorkerLaunchRules.Problem(launch) is { } problem)
        {
            throw new WorkerLaunchRefusedException($"The job's worker launch is refused: {problem}.");
        }
        if (launch.AppDir.Length == 0 || !File.Exists(Path.Combine(launch.AppDir, WorkerAssembly)))
        {
            throw new WorkerLaunchRefusedException(
                $"The job's application directory '{launch.AppDir}' has no {WorkerAssembly} on this node: workers cannot start.");
        }
        var start = new ProcessStartInfo(config.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        if (launch.DepsFile.Length > 0 && launch.RuntimeConfig.Length > 0
            && File.Exists(Path.Combine(launch.AppDir, launch.DepsFile)) && File.Exists(Path.Combine(launch.AppDir, launch.RuntimeConfig)))
        {
            start.ArgumentList.Add("--depsfile");
            start.ArgumentList.Add(Path.Combine(launch.AppDir, launch.DepsFile));
            start.ArgumentList.Add("--runtimeconfig");
            start.ArgumentList.Add(Path.Combine(launch.AppDir, launch.RuntimeConfig));
        }
        start.ArgumentList.Add(Path.Combine(launch.AppDir, WorkerAssembly));
        start.ArgumentList.Add("--app-dir");
        start.ArgumentList.Add(launch.AppDir);
        // A node runs many workers, each a helper of its driver: keep their start fast and their footprint
        // small. Workstation GC (one heap, no server GC threads), no dynamic PGO (its instrumented code costs
        // start-up time a short-lived worker never earns back). Concurrent GC stays on, as the runtime's default: with it
        // off, the runtime lets gen0's budget grow far past the cache (up to 200 MB rather than 6 MB), so a worker
        // answering calls at speed touched fresh pages all the time (22k-27k page faults/s in an actor's worker, a third
        // of its thread's time in the allocator's memset) and actor calls async ran at half the rate; an idle worker
        // costs the same either way (its background GC thread starts only with a background collection).
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.Environment["DOTNET_gcServer"] = "0";
        // With concurrent GC the runtime caps gen0's budget at 6 MB unless the L3 cache asks for more (on the 2-core VM it
        // measured ~6 MB), and a worker answering calls at speed collected every few milliseconds, each collection giving
        // pages back that the next allocations faulted in again (2-3k faults/s in an actor's worker, costly on a virtual
        // machine). At 32 MB: faults near zero and the worker's CPU per actor call 15-35% lower; 16 MB measured as well
        // as 32 MB (docs/benchmarks.md, Sitting 45). An idle worker allocates nothing and costs the same; a busy one may
        // keep up to the budget in young garbage. Kept when the node's own environment sets it; the node's worker
        // settings or a runtime env may change it.
        start.Environment.TryAdd(Gen0BudgetVariable, Gen0Budget);
        // At most two glibc malloc arenas (glibc's default is 8 per core): each thread that mallocs (the runtime's, the
        // sockets', the JIT's) otherwise gets an arena of its own, whose touched pages stay resident in an idle worker.
        // Kept when the node's own environment sets it, and a runtime env or the node's worker settings may change it.
        start.Environment.TryAdd(MallocArenaMaxVariable, "2");
        foreach (var (name, value) in config.WorkerEnvironment)
        {
            start.Environment[name] = value;
        }
        if (config.MetricsExportPort is not null)
        {
            // The node exports metrics: its workers report theirs to it (else they record none).
            start.Environment[RayletConfig.MetricsReportVariable] = "1";
        }
        if (config.WorkerHeapLimitBytes is { } limit)
        {
            start.Environment["DOTNET_GCHeapHardLimit"] = limit.ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        }
        if (env is not null)
        {
            // Ray's ${NAME} references, against the environment the worker inherits (and the variables set before).
            // In name order, as the environment's key sorts them: one pooled worker per key expands them one way.
            Common.RuntimeEnvs.EnvVarExpansion.Apply(env.Env.EnvVars.OrderBy(v => v.Key, StringComparer.Ordinal), start.Environment);
            // The worker's own env: what the tasks and actors it submits inherit.
            start.Environment[Common.RuntimeEnvs.RuntimeEnvRules.EnvironmentVariable] = Convert.ToBase64String(Google.Protobuf.MessageExtensions.ToByteArray(env.Env));
            if (env.WorkingDir is { } directory)
            {
                start.WorkingDirectory = directory;
            }
        }
        foreach (var (name, value) in ClusterSecurity.Current.ToEnvironment())
        {
            start.Environment[name] = value;
        }
        return start;
    }
}
