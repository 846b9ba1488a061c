namespace RaySharp.Tests.Integration.Functions;

public static class PlacementGroupFunctions
{
    /// <summary>The id of the placement group the task runs in, or "" outside one.</summary>
    public static string CurrentGroup() => Ray.GetCurrentPlacementGroup()?.Id ?? "";

    /// <summary>What the runtime context says the task was given.</summary>
    public static Dictionary<string, double> Resources() => new(Ray.GetRuntimeContext().AssignedResources);

    /// <summary>Submits a child with the default strategy (half a CPU) and returns the group it ran in.</summary>
    public static string ChildGroup() => Ray.Get(Ray.Task(CurrentGroup).SetResource("CPU", 0.5).Remote(), TimeSpan.FromSeconds(60));

    /// <summary>A child that sets the default strategy explicitly: Ray's "DEFAULT" keeps it out of a capturing parent's group.</summary>
    public static string DefaultChildGroup() =>
        Ray.Get(Ray.Task(CurrentGroup).SetResource("CPU", 0.5).SetSchedulingStrategy(SchedulingStrategy.Default).Remote(), TimeSpan.FromSeconds(60));

    /// <summary>Creates <paramref name="directory"/>/started, then waits (at most 2 minutes) for <paramref name="directory"/>/release.</summary>
    public static int HoldUntilReleased(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "started"), "");
        var giveUp = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(Path.Combine(directory, "release")) && DateTime.UtcNow < giveUp)
        {
            Thread.Sleep(20);
        }
        return Environment.ProcessId;
    }
}
