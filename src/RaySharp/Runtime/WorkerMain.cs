namespace RaySharp.Runtime;

/// <summary>
/// The entry point of a worker process. The raylet starts <c>dotnet exec --depsfile app.deps.json
/// --runtimeconfig app.runtimeconfig.json RaySharp.dll</c>, so the worker loads exactly the driver's
/// assemblies from the driver's application directory, and a program needs no second reference.
/// </summary>
internal static class WorkerMain
{
    public static int Main(string[] args) => WorkerHost.Run(args);
}
