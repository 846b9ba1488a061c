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
        if (Path.GetDirectoryName(workerDll) != appDir)
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

    /// <summary>The dotnet host (muxer) that runs this process, to start other .NET programs with.</summary>
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
        var candidate = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}
