namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An actor that holds a handle to a Counter (given to its constructor) and calls it, or one given per call.</summary>
public sealed class CounterUser(ActorHandle<Counter> counter)
{
    public int IncreaseHeld(int delta) => Ray.Get(counter.Task(static (k, d) => k.IncreaseAndGet(d), delta).Remote());

    public int IncreaseGiven(ActorHandle<Counter> given, int delta) => Ray.Get(given.Task(static (k, d) => k.IncreaseAndGet(d), delta).Remote());
}
