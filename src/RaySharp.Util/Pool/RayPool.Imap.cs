namespace RaySharp.Util;

public sealed partial class RayPool
{
    /// <summary>
    /// As <see cref="Map{TIn, TOut}"/>, but lazily (Ray's <c>imap</c>): items are read as chunks are sent, each actor
    /// has one chunk at a time, and each result is returned as soon as it and those before it are in. For item
    /// sequences too large (or too slow to produce) to hold at once.
    /// </summary>
    /// <typeparam name="TIn">The items' type.</typeparam>
    /// <typeparam name="TOut">The results' type.</typeparam>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <param name="items">The items, read while the results are.</param>
    /// <param name="chunkSize">Items per call (default 1, as Ray's).</param>
    /// <returns>The results in the order of the items; reading them drives the work.</returns>
    /// <exception cref="ArgumentException">The function cannot run remotely, or <paramref name="chunkSize"/> is below 1 (thrown at the call).</exception>
    public IEnumerable<TOut> Imap<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int chunkSize = 1) =>
        Lazily(function, items, chunkSize, ordered: true);

    /// <summary>
    /// As <see cref="Imap{TIn, TOut}"/>, but each chunk's results come as soon as that chunk is done, whatever its place
    /// (Ray's <c>imap_unordered</c>).
    /// </summary>
    /// <typeparam name="TIn">The items' type.</typeparam>
    /// <typeparam name="TOut">The results' type.</typeparam>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <param name="items">The items, read while the results are.</param>
    /// <param name="chunkSize">Items per call (default 1).</param>
    /// <returns>The results in the order their chunks finished.</returns>
    public IEnumerable<TOut> ImapUnordered<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int chunkSize = 1) =>
        Lazily(function, items, chunkSize, ordered: false);

    private IEnumerable<TOut> Lazily<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int chunkSize, bool ordered)
    {
        // Checked here, not when the sequence is first read.
        var f = PoolFunction.Of(function, nameof(function));
        ArgumentNullException.ThrowIfNull(items);
        CheckChunkSize(chunkSize);
        lock (_lock)
        {
            if (_closed)
            {
                throw new InvalidOperationException("The pool is closed: it takes no more work.");
            }
        }
        return Iterate<TIn, TOut>(f, items, chunkSize, ordered);
    }

    private IEnumerable<TOut> Iterate<TIn, TOut>(PoolFunction function, IEnumerable<TIn> items, int chunkSize, bool ordered)
    {
        using var source = items.GetEnumerator();
        var inFlight = new Dictionary<ObjectRef<List<TOut>>, (int Chunk, int Actor)>();
        var finished = new Dictionary<int, List<TOut>>();
        var sent = 0;
        var nextToYield = 0;
        var exhausted = false;

        bool SendNext(int actor)
        {
            var chunk = new List<TIn>(chunkSize);
            while (!exhausted && chunk.Count < chunkSize)
            {
                if (source.MoveNext())
                {
                    chunk.Add(source.Current);
                }
                else
                {
                    exhausted = true;
                }
            }
            if (chunk.Count == 0)
            {
                return false;
            }
            inFlight.Add(Send(a => a.Task(PoolCalls.RunBatch<TIn, TOut>, function, chunk).Remote(), actor), (sent++, actor));
            return true;
        }

        for (var actor = 0; actor < _actors.Length && SendNext(actor); actor++)
        {
        }
        while (inFlight.Count > 0)
        {
            var done = Ray.Wait([.. inFlight.Keys], 1).Ready[0];
            var (chunk, actor) = inFlight[done];
            inFlight.Remove(done);
            // The actor that finished gets the next chunk before this one's results are read.
            SendNext(actor);
            var results = Ray.Get(done);
            if (!ordered)
            {
                foreach (var result in results)
                {
                    yield return result;
                }
                continue;
            }
            finished[chunk] = results;
            while (finished.Remove(nextToYield, out var next))
            {
                nextToYield++;
                foreach (var result in next)
                {
                    yield return result;
                }
            }
        }
    }
}
