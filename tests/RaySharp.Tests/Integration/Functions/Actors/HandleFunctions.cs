namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>Tasks that receive an actor handle whose sender may already have released its own copy.</summary>
public static class HandleFunctions
{
    /// <summary>
    /// Sleeps first (the driver disposes its handle meanwhile), then calls the actor through the copy this
    /// task received, and releases that copy when done: the actor's last handle.
    /// </summary>
    public static int SleepThenIncrease(ActorHandle<Counter> counter, int milliseconds)
    {
        try
        {
            Thread.Sleep(milliseconds);
            return Ray.Get(counter.Task(static (k, d) => k.IncreaseAndGet(d), 1).Remote());
        }
        finally
        {
            counter.Dispose();
        }
    }
}
