using System.Runtime.InteropServices;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Where this program's code is, for raylets to start its workers: RaySharp.dll itself (its entry point
/// is the worker host, <see cref="WorkerMain"/>) run from the application directory with the program's
/// own dependency and runtime files, so that workers load exactly the driver's assemblies (same build:
/// compiler-generated names and metadata tokens match) and a program needs no reference but RaySharp.
/// The raylet builds the command itself from these names (see the raylet's WorkerStartInfo).
/// </summary>
internal static class WorkerLauncher
{
    public static WorkerLaunch Resolve()
    {
        var appDir = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        var workerDll = typeof(WorkerLauncher).Assembly.Location;
        if (string.IsNullOrEmpty(workerDll) || !File.Exists(workerDll))
        {
            // Single-file and native AOT builds have no RaySharp.dll on disk for a worker to run.
            throw new InvalidOperationException(
                "RaySharp.dll is not a file on disk (a single-file or native AOT build?). Workers run RaySharp.dll with the " +
                "application's deps.json: publish framework-dependent, not as a single file and not with native AOT.");
        }
        if (Path.GetDirectoryName(workerDll) != appDir && !IsPrecompiledCopy(workerDll, appDir))
        {
            throw new InvalidOperationException(
                $"RaySharp.dll ({workerDll}) is not in the application directory ({appDir}): workers run it from there. Reference RaySharp so that it is copied to the output.");
        }
        var launch = new WorkerLaunch { AppDir = appDir };
        var deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(File.Exists);
        var runtimeConfig = deps?.Replace(".deps.json", ".runtimeconfig.json", StringComparison.Ordinal);
        if (deps is not null && runtimeConfig is not null && File.Exists(runtimeConfig)
            && Path.GetDirectoryName(Path.GetFullPath(deps)) == appDir && Path.GetDirectoryName(Path.GetFullPath(runtimeConfig)) == appDir)
        {
            launch.DepsFile = Path.GetFileName(deps);
            launch.RuntimeConfig = Path.GetFileName(runtimeConfig);
        }
        return launch;
    }

    /// <summary>
    /// From the package, on linux-x64, RaySharp.dll loads from the app's runtimes/linux-x64/lib/&lt;tfm&gt;/: its precompiled
    /// copy, which the deps.json names as that platform's runtime target (build/ReadyToRun.targets). Workers are still
    /// started with the app directory's RaySharp.dll, and their host resolves the same precompiled copy.
    /// </summary>
    private static bool IsPrecompiledCopy(string workerDll, string appDir) =>
        Path.GetFullPath(workerDll).StartsWith(Path.Combine(appDir, "runtimes") + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        && File.Exists(Path.Combine(appDir, Path.GetFileName(workerDll)));

    /// <summary>
    /// The dotnet host (muxer) that starts worker processes: the one running this process, else DOTNET_HOST_PATH,
    /// DOTNET_ROOT, the installation this runtime belongs to, or PATH. It only launches: a worker of a self-contained
    /// application runs on the application's own runtime (its runtimeconfig names no shared framework), so any
    /// installed dotnet host will do.
    /// </summary>
    /// <exception cref="InvalidOperationException">No dotnet host is on this machine (a self-contained application on a
    /// machine without .NET): workers could not start.</exception>
    internal static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromEnv && File.Exists(fromEnv))
        {
            return fromEnv;
        }
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }
        var candidate = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        if (File.Exists(candidate))
        {
            return candidate;
        }
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "dotnet"))
            .FirstOrDefault(File.Exists);
        return onPath ?? throw new InvalidOperationException(
            "No dotnet host was found to start worker processes with (not on PATH, nor in DOTNET_HOST_PATH or DOTNET_ROOT). " +
            "A self-contained RaySharp application runs its workers on its own runtime but needs a dotnet host to launch them: " +
            "install .NET on this machine or set DOTNET_HOST_PATH to a dotnet executable.");
    }
}
