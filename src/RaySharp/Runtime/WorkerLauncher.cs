using System.Runtime.InteropServices;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// How the raylet starts a worker for this program: RaySharp.dll itself (its entry point is the
/// worker host, <see cref="WorkerMain"/>) run with the driver's own dependency and runtime files, so
/// that workers load exactly the driver's assemblies (same build: compiler-generated names and
/// metadata tokens match) and a program needs no reference but RaySharp.
/// </summary>
internal static class WorkerLauncher
{
    public static WorkerLaunch Resolve()
    {
        var appDir = AppContext.BaseDirectory;
        var workerDll = typeof(WorkerLauncher).Assembly.Location;
        if (string.IsNullOrEmpty(workerDll) || !File.Exists(workerDll))
        {
            // Single-file and native AOT builds have no RaySharp.dll on disk for a worker to run.
            throw new InvalidOperationException(
                "RaySharp.dll is not a file on disk (a single-file or native AOT build?). Workers run RaySharp.dll with the " +
                "application's deps.json: publish framework-dependent, not as a single file and not with native AOT.");
        }
        var args = new List<string> { "exec" };
        var deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(File.Exists);
        var runtimeConfig = deps?.Replace(".deps.json", ".runtimeconfig.json", StringComparison.Ordinal);
        if (deps is not null && runtimeConfig is not null && File.Exists(runtimeConfig))
        {
            args.AddRange(["--depsfile", deps, "--runtimeconfig", runtimeConfig]);
        }
        args.AddRange([workerDll, "--app-dir", appDir]);
        var launch = new WorkerLaunch { FileName = DotnetHost() };
        launch.Arguments.AddRange(args);
        // Workers are helpers of this program: keep their start fast and their footprint small.
        launch.Environment["DOTNET_TieredPGO"] = "0";
        launch.Environment["DOTNET_gcServer"] = "0";
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
