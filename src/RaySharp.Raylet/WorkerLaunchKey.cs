using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Workers are started per job code: workers started from the same application directory and files run
/// the same assemblies and can be shared; others cannot. The key also scopes worker output to its driver.
/// </summary>
public static class WorkerLaunchKey
{
    public static string Of(WorkerLaunch launch) => launch.AppDir + "\u001f" + launch.DepsFile + "\u001f" + launch.RuntimeConfig;
}
