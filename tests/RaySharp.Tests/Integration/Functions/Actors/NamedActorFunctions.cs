namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>Creates a named actor with get-if-exists from inside a task, i.e. from another process than the driver.</summary>
public static class NamedActorFunctions
{
    /// <summary>Waits for <paramref name="goPath"/>, then gets or creates the Counter named <paramref name="name"/>: "actor id:pid".</summary>
    public static string GetOrCreateWhenGo(string name, string goPath, int initial)
    {
        Wait.ForFile(goPath);
        using var counter = Ray.Actor(Counter.Create, initial).SetName(name).SetGetIfExists(true).Remote();
        return counter.ActorId + ":" + Ray.Get(counter.Task(c => c.Pid()).Remote(), TimeSpan.FromSeconds(60));
    }
}
