namespace RaySharp.Util;

/// <summary>
/// One of a <see cref="RayPool"/>'s actors (Ray's <c>PoolActor</c>): it runs the pool's initializer once, then
/// applies the pool's functions to the batches it is sent, one batch at a time, in the order they were sent.
/// </summary>
internal sealed class PoolActor
{
    public PoolActor(PoolFunction? initializer)
    {
        initializer?.Resolve<Action>()();
    }
}

/// <summary>
/// The pool actor's constructor and methods as static generic methods, so a call names its item and result types.
/// Batches travel as lists, not arrays: an array of a generic struct (a tuple) does not serialize as a task argument.
/// </summary>
internal static class PoolCalls
{
    public static PoolActor Create(PoolFunction? initializer) => new(initializer);

    /// <summary>Answers once the actor is up (its initializer ran).</summary>
    public static bool Ping(PoolActor actor) => true;

    public static List<TOut> RunBatch<TIn, TOut>(PoolActor actor, PoolFunction function, List<TIn> batch)
    {
        var f = function.Resolve<Func<TIn, TOut>>();
        var results = new List<TOut>(batch.Count);
        foreach (var item in batch)
        {
            results.Add(f(item));
        }
        return results;
    }

    public static List<TOut> RunStarBatch<T1, T2, TOut>(PoolActor actor, PoolFunction function, List<(T1, T2)> batch)
    {
        var f = function.Resolve<Func<T1, T2, TOut>>();
        var results = new List<TOut>(batch.Count);
        foreach (var item in batch)
        {
            results.Add(f(item.Item1, item.Item2));
        }
        return results;
    }

    public static List<TOut> RunStarBatch<T1, T2, T3, TOut>(PoolActor actor, PoolFunction function, List<(T1, T2, T3)> batch)
    {
        var f = function.Resolve<Func<T1, T2, T3, TOut>>();
        var results = new List<TOut>(batch.Count);
        foreach (var item in batch)
        {
            results.Add(f(item.Item1, item.Item2, item.Item3));
        }
        return results;
    }

    /// <summary>Ends the actor after the batches sent before this call (Ray's <c>__ray_terminate__</c>).</summary>
    public static void Terminate(PoolActor actor) => Ray.ExitActor();
}
