namespace RaySharp.Util;

/// <summary>
/// A fixed set of actors that work is spread over (Ray's <c>ray.util.ActorPool</c>): each submitted value goes to an
/// idle actor through a function that calls it and returns the call's ref; an actor is busy until that ref's
/// result is taken with <see cref="GetNext{R}"/> or <see cref="GetNextUnordered{R}"/>, and values submitted while
/// every actor is busy wait in line, in order, for the next one to come back.
/// </summary>
/// <remarks>
/// Like Ray's, the pool is driven by one thread at a time: it keeps no lock, and its functions run on the calling
/// thread. The actors stay the caller's: the pool neither creates nor kills them.
/// </remarks>
/// <example>
/// <code>
/// var pool = new ActorPool&lt;Doubler&gt;([Ray.Actor(() => new Doubler()).Remote(), Ray.Actor(() => new Doubler()).Remote()]);
/// int[] doubled = pool.Map((a, v) => a.Task((d, x) => d.Double(x), v).Remote(), [1, 2, 3, 4]).ToArray(); // [2, 4, 6, 8]
/// </code>
/// </example>
/// <typeparam name="A">The actors' class.</typeparam>
public sealed class ActorPool<A>
{
    private readonly List<ActorHandle<A>> _idle;
    private readonly Dictionary<ObjectRef, (int Index, ActorHandle<A> Actor)> _futureToActor = [];
    private readonly Dictionary<int, ObjectRef> _indexToFuture = [];
    private readonly Queue<Action<ActorHandle<A>>> _pendingSubmits = new();
    private int _nextTaskIndex;
    private int _nextReturnIndex;

    /// <summary>Creates a pool of the given actors, all idle.</summary>
    /// <param name="actors">Distinct actor handles; none may be null.</param>
    /// <exception cref="ArgumentException">A handle is null or appears twice.</exception>
    public ActorPool(IEnumerable<ActorHandle<A>> actors)
    {
        ArgumentNullException.ThrowIfNull(actors);
        _idle = [.. actors];
        if (_idle.Any(a => a is null))
        {
            throw new ArgumentException("The list of actors contains null.", nameof(actors));
        }
        if (_idle.Distinct().Count() != _idle.Count)
        {
            throw new ArgumentException("The list of actors names the same actor twice.", nameof(actors));
        }
    }

    /// <summary>True when results are pending: submitted values whose results were not taken yet (Ray's <c>has_next</c>).</summary>
    public bool HasNext => _futureToActor.Count > 0;

    /// <summary>True when an actor is idle and no submitted value waits for one (Ray's <c>has_free</c>).</summary>
    public bool HasFree => _idle.Count > 0 && _pendingSubmits.Count == 0;

    /// <summary>
    /// Applies <paramref name="fn"/> to every value on the pool's actors and returns the results in the order of the
    /// values (Ray's <c>map</c>). All values are submitted now; the results are taken as the returned sequence is
    /// read, so read it to the end. Results still pending from earlier submissions are dropped first, as in Ray.
    /// </summary>
    /// <typeparam name="V">The values' type.</typeparam>
    /// <typeparam name="R">The results' type.</typeparam>
    /// <param name="fn">Called with an idle actor and a value; returns the ref of the call it made on that actor.</param>
    /// <param name="values">The values.</param>
    /// <returns>The results, in the order of the values; a failed call throws as <see cref="Ray.Get{T}(ObjectRef{T}, CancellationToken)"/> does when reached.</returns>
    public IEnumerable<R> Map<V, R>(Func<ActorHandle<A>, V, ObjectRef<R>> fn, IEnumerable<V> values)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(values);
        DropPending(ordered: true);
        foreach (var v in values)
        {
            Submit(fn, v);
        }
        return Drain<R>(ordered: true);
    }

    /// <summary>
    /// As <see cref="Map{V, R}"/>, but returns each result as soon as it is ready, whatever its value's place
    /// (Ray's <c>map_unordered</c>): faster when some calls take longer than others.
    /// </summary>
    /// <typeparam name="V">The values' type.</typeparam>
    /// <typeparam name="R">The results' type.</typeparam>
    /// <param name="fn">Called with an idle actor and a value; returns the ref of the call it made on that actor.</param>
    /// <param name="values">The values.</param>
    /// <returns>The results, in the order they became ready.</returns>
    public IEnumerable<R> MapUnordered<V, R>(Func<ActorHandle<A>, V, ObjectRef<R>> fn, IEnumerable<V> values)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(values);
        DropPending(ordered: false);
        foreach (var v in values)
        {
            Submit(fn, v);
        }
        return Drain<R>(ordered: false);
    }

    /// <summary>
    /// Submits one value (Ray's <c>submit</c>): <paramref name="fn"/> runs now with an idle actor, or, when every
    /// actor is busy, later, when <see cref="GetNext{R}"/> or <see cref="GetNextUnordered{R}"/> frees one.
    /// </summary>
    /// <typeparam name="V">The value's type.</typeparam>
    /// <typeparam name="R">The result's type.</typeparam>
    /// <param name="fn">Called with an idle actor and the value; returns the ref of the call it made on that actor.</param>
    /// <param name="value">The value.</param>
    public void Submit<V, R>(Func<ActorHandle<A>, V, ObjectRef<R>> fn, V value)
    {
        ArgumentNullException.ThrowIfNull(fn);
        Action<ActorHandle<A>> start = actor => Start(actor, fn(actor, value)
            ?? throw new InvalidOperationException("The function given to ActorPool.Submit returned null instead of the ref of an actor call."));
        if (_idle.Count > 0)
        {
            // The most recently returned actor first, as Ray's list.pop().
            var actor = _idle[^1];
            _idle.RemoveAt(_idle.Count - 1);
            try
            {
                start(actor);
            }
            catch
            {
                _idle.Add(actor);
                throw;
            }
        }
        else
        {
            _pendingSubmits.Enqueue(start);
        }
    }

    /// <summary>
    /// Returns the next result in submission order (Ray's <c>get_next</c>), waiting for it up to
    /// <paramref name="timeout"/>, and frees its actor for the next waiting value.
    /// </summary>
    /// <typeparam name="R">The result's type, as the function that submitted it returned.</typeparam>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <param name="ignoreIfTimedOut">
    /// When the wait times out, skip that result (its actor returns to the pool) rather than leave it to be asked for
    /// again; <see cref="GetTimeoutException"/> is thrown either way.
    /// </param>
    /// <returns>The result.</returns>
    /// <exception cref="InvalidOperationException">No result is pending (<see cref="HasNext"/> is false), or <see cref="GetNextUnordered{R}"/> already took results out of order.</exception>
    /// <exception cref="GetTimeoutException">The result was not ready in time.</exception>
    /// <exception cref="InvalidCastException">The pending result is not of type <typeparamref name="R"/>.</exception>
    public R GetNext<R>(TimeSpan? timeout = null, bool ignoreIfTimedOut = false)
    {
        CheckTimeout(timeout);
        if (!HasNext)
        {
            throw new InvalidOperationException("The actor pool has no pending results (HasNext is false).");
        }
        if (_nextReturnIndex >= _nextTaskIndex)
        {
            throw new InvalidOperationException("GetNext cannot be called after GetNextUnordered took results out of order.");
        }
        var future = _indexToFuture[_nextReturnIndex];
        var timedOut = timeout is { } t && Ray.Wait([future], 1, t).Ready.Count == 0;
        if (timedOut && !ignoreIfTimedOut)
        {
            throw new GetTimeoutException($"The next result of the actor pool ({future}) was not ready within {timeout}.");
        }
        _indexToFuture.Remove(_nextReturnIndex);
        _nextReturnIndex++;
        var (_, actor) = Take(future);
        if (timedOut)
        {
            ReturnActor(actor, alive: true);
            throw new GetTimeoutException($"The next result of the actor pool ({future}) was not ready within {timeout}; it has been ignored.");
        }
        return Result<R>(future, actor);
    }

    /// <summary>
    /// Returns any pending result that is ready, waiting up to <paramref name="timeout"/> for one (Ray's
    /// <c>get_next_unordered</c>), and frees its actor. After this, <see cref="GetNext{R}"/> may no longer be called
    /// for the results submitted so far.
    /// </summary>
    /// <typeparam name="R">The result's type, as the function that submitted it returned.</typeparam>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <param name="ignoreIfTimedOut">When the wait times out, drop one pending result (its actor returns to the pool); <see cref="GetTimeoutException"/> is thrown either way.</param>
    /// <returns>The result.</returns>
    /// <exception cref="InvalidOperationException">No result is pending.</exception>
    /// <exception cref="GetTimeoutException">No result was ready in time.</exception>
    /// <exception cref="InvalidCastException">The result is not of type <typeparamref name="R"/>.</exception>
    public R GetNextUnordered<R>(TimeSpan? timeout = null, bool ignoreIfTimedOut = false)
    {
        CheckTimeout(timeout);
        if (!HasNext)
        {
            throw new InvalidOperationException("The actor pool has no pending results (HasNext is false).");
        }
        var pending = _futureToActor.Keys.ToList();
        var ready = Ray.Wait(pending, 1, timeout).Ready;
        if (ready.Count == 0 && !ignoreIfTimedOut)
        {
            throw new GetTimeoutException($"None of the actor pool's {pending.Count} pending results was ready within {timeout}.");
        }
        var future = ready.Count > 0 ? ready[0] : pending[0];
        var (index, actor) = Take(future);
        _indexToFuture.Remove(index);
        _nextReturnIndex = Math.Max(_nextReturnIndex, index + 1);
        if (ready.Count == 0)
        {
            ReturnActor(actor, alive: true);
            throw new GetTimeoutException($"None of the actor pool's {pending.Count} pending results was ready within {timeout}; {future} has been ignored.");
        }
        return Result<R>(future, actor);
    }

    /// <summary>Adds an actor to the pool as idle (Ray's <c>push</c>); a value waiting for an actor starts on it at once.</summary>
    /// <param name="actor">An actor not in the pool yet.</param>
    /// <exception cref="ArgumentException">The actor already belongs to the pool.</exception>
    public void Push(ActorHandle<A> actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (_idle.Contains(actor) || _futureToActor.Values.Any(v => v.Actor.Equals(actor)))
        {
            throw new ArgumentException($"{actor} already belongs to this actor pool.", nameof(actor));
        }
        ReturnActor(actor, alive: true);
    }

    /// <summary>Removes an idle actor from the pool and returns it, or null when none is free (Ray's <c>pop_idle</c>).</summary>
    /// <returns>The actor, or null.</returns>
    public ActorHandle<A>? PopIdle()
    {
        if (!HasFree)
        {
            return null;
        }
        var actor = _idle[^1];
        _idle.RemoveAt(_idle.Count - 1);
        return actor;
    }

    private void Start(ActorHandle<A> actor, ObjectRef future)
    {
        if (!_futureToActor.TryAdd(future, (_nextTaskIndex, actor)))
        {
            throw new InvalidOperationException($"The function given to ActorPool.Submit returned {future}, a ref already pending in the pool; it must make a new call.");
        }
        _indexToFuture[_nextTaskIndex] = future;
        _nextTaskIndex++;
    }

    private (int Index, ActorHandle<A> Actor) Take(ObjectRef future)
    {
        var entry = _futureToActor[future];
        _futureToActor.Remove(future);
        return entry;
    }

    private R Result<R>(ObjectRef future, ActorHandle<A> actor)
    {
        var alive = true;
        try
        {
            if (future is not ObjectRef<R> typed)
            {
                throw new InvalidCastException($"The pending result {future} is a {future.ValueType.Name}, not a {typeof(R).Name}.");
            }
            return Ray.Get(typed);
        }
        catch (RayActorUnavailableException)
        {
            // The actor lives (a connection broke mid-call): it stays in the pool for later values, as Ray's pool keeps an
            // actor on ActorUnavailableError.
            throw;
        }
        catch (RayActorException)
        {
            // A dead actor stays out of the idle set: otherwise every later value would go to it and fail.
            alive = false;
            throw;
        }
        finally
        {
            ReturnActor(actor, alive);
        }
    }

    private void ReturnActor(ActorHandle<A> actor, bool alive)
    {
        if (alive)
        {
            _idle.Add(actor);
        }
        if (_pendingSubmits.Count > 0 && _idle.Count > 0)
        {
            var actorForNext = _idle[^1];
            _idle.RemoveAt(_idle.Count - 1);
            try
            {
                _pendingSubmits.Dequeue()(actorForNext);
            }
            catch
            {
                _idle.Add(actorForNext);
                throw;
            }
        }
    }

    // Ray's map drops what earlier submissions left pending, taking each without waiting.
    private void DropPending(bool ordered)
    {
        while (HasNext)
        {
            try
            {
                if (ordered && _nextReturnIndex < _nextTaskIndex)
                {
                    GetNext<object>(TimeSpan.Zero, ignoreIfTimedOut: true);
                }
                else
                {
                    GetNextUnordered<object>(TimeSpan.Zero, ignoreIfTimedOut: true);
                }
            }
            catch (Exception e) when (e is GetTimeoutException or InvalidCastException or RayException)
            {
                // Dropped: its result (or failure) is not wanted.
            }
        }
    }

    private IEnumerable<R> Drain<R>(bool ordered)
    {
        while (HasNext)
        {
            yield return ordered ? GetNext<R>() : GetNextUnordered<R>();
        }
    }

    private static void CheckTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t && t < TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"A timeout must not be negative ({t}).", nameof(timeout));
        }
    }
}
