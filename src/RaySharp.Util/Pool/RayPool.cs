namespace RaySharp.Util;

/// <summary>
/// A pool of actor processes in the shape of .NET's and Python's worker pools (Ray's
/// <c>ray.util.multiprocessing.Pool</c>): <c>pool.Map(f, items)</c> returns what <c>items.Select(f)</c> would, with
/// the items cut into chunks that the pool's actors work on in parallel, anywhere in the cluster.
/// </summary>
/// <remarks>
/// The functions run in other processes, so they are what a remote function may be: a static method, or a lambda
/// that captures nothing (anything else is refused with <see cref="ArgumentException"/> at the call); items and
/// results are serialized as task arguments are. Each chunk is one call on one actor, sent round-robin; an actor
/// works through its chunks one at a time. When a function throws, the call that reaches that item's result throws
/// as <see cref="Ray.Get{T}(ObjectRef{T}, CancellationToken)"/> does (a <see cref="RayTaskException"/> holding it).
/// Dispose (or <see cref="Terminate"/>) ends the actors.
/// </remarks>
public sealed partial class RayPool : IDisposable
{
    private readonly Lock _lock = new();
    private readonly ActorOptions _actorOptions;
    private readonly PoolFunction? _initializer;
    private readonly int _maxTasksPerChild;
    private readonly (ActorHandle<PoolActor> Actor, int Batches)[] _actors;
    private readonly List<ObjectRef<Unit>> _stopping = [];
    private int _nextActor = -1;
    private bool _closed;
    private bool _ended;

    /// <summary>Starts the pool's actors and waits until each is up (its initializer ran).</summary>
    /// <param name="processes">How many actors; null for the cluster's number of CPUs (Ray's default). At most that many.</param>
    /// <param name="options">Initializer, actor recycling and actor options; null for none.</param>
    /// <exception cref="ArgumentException"><paramref name="processes"/> is below 1 or above the cluster's CPUs, or an option is invalid.</exception>
    /// <exception cref="RayActorException">An actor could not start (its initializer threw, say).</exception>
    public RayPool(int? processes = null, RayPoolOptions? options = null)
    {
        options ??= new RayPoolOptions();
        var cpus = (int)Ray.ClusterResources().GetValueOrDefault("CPU");
        var count = processes ?? cpus;
        if (count < 1)
        {
            throw new ArgumentException($"A pool needs at least 1 process, not {count}.", nameof(processes));
        }
        if (count > cpus)
        {
            throw new ArgumentException($"A pool of {count} processes cannot start on a cluster of {cpus} CPUs.", nameof(processes));
        }
        if (options.MaxTasksPerChild is < 1)
        {
            throw new ArgumentException($"MaxTasksPerChild must be at least 1 (or null), not {options.MaxTasksPerChild}.", nameof(options));
        }
        _maxTasksPerChild = options.MaxTasksPerChild ?? -1;
        _actorOptions = options.ActorOptions ?? new ActorOptions();
        _initializer = options.Initializer is { } init ? PoolFunction.Of(init, nameof(options.Initializer)) : null;
        _actors = new (ActorHandle<PoolActor>, int)[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                _actors[i] = (NewActor(), 0);
            }
            Ray.Get(_actors.Select(a => a.Actor.Task(PoolCalls.Ping).Remote()));
        }
        catch
        {
            foreach (var (actor, _) in _actors.Where(a => a.Actor is not null))
            {
                Ray.Kill(actor);
            }
            throw;
        }
    }

    /// <summary>The number of actors (Ray's <c>processes</c>).</summary>
    public int Processes => _actors.Length;

    /// <summary>Takes no more work (Ray's <c>close</c>): work already sent goes on; <see cref="Join"/> then waits for it.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }

    /// <summary>Takes no more work and kills the actors now (Ray's <c>terminate</c>): work in progress fails.</summary>
    public void Terminate()
    {
        lock (_lock)
        {
            _closed = true;
            if (_ended || !Ray.IsInitialized)
            {
                return;
            }
            _ended = true;
            foreach (var (actor, _) in _actors)
            {
                Ray.Kill(actor);
            }
            ExitCalls.Settle(_stopping);
            _stopping.Clear();
        }
    }

    /// <summary>
    /// After <see cref="Close"/>: stops each actor once the work sent to it is done, and waits for them to end (Ray's
    /// <c>join</c>).
    /// </summary>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <returns>True when every actor ended within the timeout.</returns>
    /// <exception cref="InvalidOperationException">The pool was neither closed nor terminated.</exception>
    public bool Join(TimeSpan? timeout = null)
    {
        List<ObjectRef<Unit>> stopping;
        lock (_lock)
        {
            if (!_closed)
            {
                throw new InvalidOperationException("Join needs a closed pool: call Close (or Terminate) first.");
            }
            if (!_ended)
            {
                _ended = true;
                foreach (var (actor, _) in _actors)
                {
                    _stopping.Add(actor.Task(PoolCalls.Terminate).Remote());
                }
            }
            stopping = [.. _stopping];
            _stopping.Clear();
        }
        bool ended;
        try
        {
            ended = Ray.Wait(stopping, stopping.Count, timeout).NotReady.Count == 0;
        }
        catch (OperationCanceledException)
        {
            // Terminated from a cancelled task (whose token ends its waits): the actors were still told to stop.
            ended = false;
        }
        ExitCalls.Settle(stopping);
        return ended;
    }

    /// <summary>Terminates the pool (Ray's context-manager exit).</summary>
    public void Dispose() => Terminate();

    private ActorHandle<PoolActor> NewActor() =>
        _actorOptions.ApplyTo(Ray.Actor<PoolFunction?, PoolActor>(PoolCalls.Create, _initializer), allowName: false).Remote();

    /// <summary>Sends one chunk to an actor (the next in turn when <paramref name="actorIndex"/> is null) and returns its results' ref.</summary>
    private ObjectRef<List<TOut>> Send<TOut>(Func<ActorHandle<PoolActor>, ObjectRef<List<TOut>>> call, int? actorIndex = null)
    {
        lock (_lock)
        {
            if (_closed)
            {
                throw new InvalidOperationException("The pool is closed: it takes no more work.");
            }
            var index = actorIndex ?? (_nextActor = (_nextActor + 1) % _actors.Length);
            var (actor, batches) = _actors[index];
            var result = call(actor);
            batches++;
            if (batches == _maxTasksPerChild)
            {
                // Recycled (Ray's maxtasksperchild): the old actor ends after the batches it was sent.
                _stopping.Add(actor.Task(PoolCalls.Terminate).Remote());
                _actors[index] = (NewActor(), 0);
            }
            else
            {
                _actors[index] = (actor, batches);
            }
            return result;
        }
    }

    private static void CheckChunkSize(int? chunkSize)
    {
        if (chunkSize is < 1)
        {
            throw new ArgumentException($"chunkSize must be at least 1, not {chunkSize}.", nameof(chunkSize));
        }
    }
}
