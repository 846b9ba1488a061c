namespace RaySharp.Util;

public sealed partial class RayPool
{
    /// <summary>
    /// Applies <paramref name="function"/> to every item on the pool's actors and returns the results in the order of
    /// the items, as <c>items.Select(function).ToArray()</c> would (Ray's <c>map</c>).
    /// </summary>
    /// <typeparam name="TIn">The items' type.</typeparam>
    /// <typeparam name="TOut">The results' type.</typeparam>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <param name="items">The items; read to the end at once.</param>
    /// <param name="chunkSize">Items per call; null for Ray's choice, the items spread over 4 chunks per actor.</param>
    /// <returns>The results, in the order of the items.</returns>
    /// <exception cref="ArgumentException">The function captures variables or is bound to an instance, or <paramref name="chunkSize"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException">The pool is closed.</exception>
    /// <exception cref="RayTaskException">The function threw for an item (the first such item in order).</exception>
    public TOut[] Map<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int? chunkSize = null) =>
        Collect(SendAll(PoolFunction.Of(function, nameof(function)), items, chunkSize, static (a, f, chunk) => a.Task(PoolCalls.RunBatch<TIn, TOut>, f, chunk).Remote()));

    /// <summary>As <see cref="Map{TIn, TOut}"/>, completing when all results are in instead of blocking (Ray's <c>map_async</c>).</summary>
    /// <typeparam name="TIn">The items' type.</typeparam>
    /// <typeparam name="TOut">The results' type.</typeparam>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <param name="items">The items; read to the end at once, and every chunk is sent before this returns.</param>
    /// <param name="chunkSize">Items per call; null for Ray's choice.</param>
    /// <returns>A task that completes with the results in the order of the items.</returns>
    public Task<TOut[]> MapAsync<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int? chunkSize = null) =>
        CollectAsync(SendAll(PoolFunction.Of(function, nameof(function)), items, chunkSize, static (a, f, chunk) => a.Task(PoolCalls.RunBatch<TIn, TOut>, f, chunk).Remote()));

    /// <summary>
    /// As <see cref="Map{TIn, TOut}"/> for a function of two arguments, each item a tuple of them (Ray's <c>starmap</c>:
    /// <c>function(*item)</c>).
    /// </summary>
    /// <typeparam name="T1">The first argument's type.</typeparam>
    /// <typeparam name="T2">The second argument's type.</typeparam>
    /// <typeparam name="TOut">The results' type.</typeparam>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <param name="items">The argument tuples.</param>
    /// <param name="chunkSize">Items per call; null for Ray's choice.</param>
    /// <returns>The results, in the order of the items.</returns>
    public TOut[] StarMap<T1, T2, TOut>(Func<T1, T2, TOut> function, IEnumerable<(T1, T2)> items, int? chunkSize = null) =>
        Collect(SendAll(PoolFunction.Of(function, nameof(function)), items, chunkSize, static (a, f, chunk) => a.Task(PoolCalls.RunStarBatch<T1, T2, TOut>, f, chunk).Remote()));

    /// <summary>As <see cref="StarMap{T1, T2, TOut}"/>, for a function of three arguments.</summary>
    /// <typeparam name="T1">The first argument's type.</typeparam>
    /// <typeparam name="T2">The second argument's type.</typeparam>
    /// <typeparam name="T3">The third argument's type.</typeparam>
    /// <typeparam name="TOut">The results' type.</typeparam>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <param name="items">The argument tuples.</param>
    /// <param name="chunkSize">Items per call; null for Ray's choice.</param>
    /// <returns>The results, in the order of the items.</returns>
    public TOut[] StarMap<T1, T2, T3, TOut>(Func<T1, T2, T3, TOut> function, IEnumerable<(T1, T2, T3)> items, int? chunkSize = null) =>
        Collect(SendAll(PoolFunction.Of(function, nameof(function)), items, chunkSize, static (a, f, chunk) => a.Task(PoolCalls.RunStarBatch<T1, T2, T3, TOut>, f, chunk).Remote()));

    /// <summary>Runs <paramref name="function"/> on one argument on the next actor in turn and returns its result (Ray's <c>apply</c>).</summary>
    /// <typeparam name="TIn">The argument's type.</typeparam>
    /// <typeparam name="TOut">The result's type.</typeparam>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <param name="argument">The argument.</param>
    /// <returns>The result.</returns>
    public TOut Apply<TIn, TOut>(Func<TIn, TOut> function, TIn argument) => Ray.Get(ApplyRef(function, argument))[0];

    /// <summary>As <see cref="Apply{TIn, TOut}"/>, completing when the result is in instead of blocking (Ray's <c>apply_async</c>).</summary>
    /// <typeparam name="TIn">The argument's type.</typeparam>
    /// <typeparam name="TOut">The result's type.</typeparam>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <param name="argument">The argument.</param>
    /// <returns>A task that completes with the result.</returns>
    public async Task<TOut> ApplyAsync<TIn, TOut>(Func<TIn, TOut> function, TIn argument) =>
        (await Ray.GetAsync(ApplyRef(function, argument)).ConfigureAwait(false))[0];

    private ObjectRef<List<TOut>> ApplyRef<TIn, TOut>(Func<TIn, TOut> function, TIn argument)
    {
        var f = PoolFunction.Of(function, nameof(function));
        List<TIn> one = [argument];
        return Send(a => a.Task(PoolCalls.RunBatch<TIn, TOut>, f, one).Remote());
    }

    // Ray's map: chunk i goes to actor i mod n, all sent at once.
    private List<ObjectRef<List<TOut>>> SendAll<TItem, TOut>(PoolFunction function, IEnumerable<TItem> items, int? chunkSize,
        Func<ActorHandle<PoolActor>, PoolFunction, List<TItem>, ObjectRef<List<TOut>>> call)
    {
        ArgumentNullException.ThrowIfNull(items);
        CheckChunkSize(chunkSize);
        TItem[] all = [.. items];
        var size = chunkSize ?? DefaultChunkSize(all.Length);
        var refs = new List<ObjectRef<List<TOut>>>();
        for (var start = 0; start < all.Length; start += size)
        {
            var chunk = all[start..Math.Min(all.Length, start + size)].ToList();
            refs.Add(Send(a => call(a, function, chunk), refs.Count % _actors.Length));
        }
        return refs;
    }

    // Ray's _calculate_chunksize: 4 chunks per actor, rounded up.
    private int DefaultChunkSize(int items) => Math.Max(1, (items + _actors.Length * 4 - 1) / (_actors.Length * 4));

    private static TOut[] Collect<TOut>(List<ObjectRef<List<TOut>>> chunks)
    {
        try
        {
            return [.. Ray.Get(chunks).SelectMany(c => c)];
        }
        catch (RayException)
        {
            // Ray reports the first failing item in order, not the first failure in time: rethrow that one.
            foreach (var chunk in chunks)
            {
                Ray.Get(chunk);
            }
            throw;
        }
    }

    private static async Task<TOut[]> CollectAsync<TOut>(List<ObjectRef<List<TOut>>> chunks)
    {
        var results = new List<TOut>();
        foreach (var chunk in chunks)
        {
            results.AddRange(await Ray.GetAsync(chunk).ConfigureAwait(false));
        }
        return [.. results];
    }
}
