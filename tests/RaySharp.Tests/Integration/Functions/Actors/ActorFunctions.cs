namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>Remote functions (tasks) that receive actor handles, or create actors themselves.</summary>
public static class ActorFunctions
{
    public static int IncreaseAsFirstArgument(ActorHandle<Counter> counter, int delta) =>
        Ray.Get(counter.Task(static (k, d) => k.IncreaseAndGet(d), delta).Remote());

    public static int IncreaseAsSecondArgument(int delta, ActorHandle<Counter> counter) =>
        Ray.Get(counter.Task(static (k, d) => k.IncreaseAndGet(d), delta).Remote());

    public static int IncreaseThroughList(List<ActorHandle<Counter>> counters, int delta) =>
        Ray.Get(counters[0].Task(static (k, d) => k.IncreaseAndGet(d), delta).Remote());

    /// <summary>Creates a Counter inside the task, calls it twice and kills it; returns (value after both calls, the actor's pid).</summary>
    public static int[] CreateAndUseCounter(int initial)
    {
        var counter = Ray.Actor(Counter.Create, initial).Remote();
        try
        {
            Ray.Get(counter.Task(static (k, d) => k.IncreaseAndGet(d), 1).Remote());
            var value = Ray.Get(counter.Task(static (k, d) => k.IncreaseAndGet(d), 1).Remote());
            var pid = Ray.Get(counter.Task(static k => k.Pid()).Remote());
            return [value, pid, Environment.ProcessId];
        }
        finally
        {
            Ray.Kill(counter);
        }
    }
}
