using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Workers are started per job code: workers started with the same launch command run the same
/// assemblies and can be shared; others cannot. The key also scopes worker output to its driver.
/// </summary>
public static class WorkerLaunchKey
{
    public static string Of(WorkerLaunch launch) => launch.FileName + "\u001f" + string.Join("\u001f", launch.Arguments);
}
