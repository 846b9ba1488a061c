using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Ray.Cancel of calls to the actor hosted here (Ray's actor task cancel): a call not started yet is dropped when
/// reached; a running one has its token signalled (Ray.TaskCancellationToken and a CancellationToken parameter),
/// and an async call ends cancelled at once (Ray cancels the asyncio task; ActorExecutor stops awaiting it); a sync call is never interrupted,
/// since the actor's state must stay whole (Ray), and sees the token as Ray's is_canceled() flag.
/// </summary>
internal sealed class ActorCallCancellation
{
    // Cancels of calls not seen yet (still on their way here, or already finished): kept for a while, not forever.
    private const int MaxEarlyCancels = 1024;

    private readonly Lock _lock = new();
    // The calls here from their arrival to their end: null while queued, the source of their token once running. One
    // table for both: a call costs one insert, one update and one removal (a set of queued calls beside a table of running
    // ones cost four, and two looks at the early cancels; the bookkeeping as a whole was ~9% of an actor's worker in
    // 1_1_actor_calls_async, docs/benchmarks.md, Sitting 46).
    private readonly Dictionary<UniqueId, CancellationTokenSource?> _calls = [];
    private readonly HashSet<UniqueId> _early = [];
    private readonly Queue<UniqueId> _earlyOrder = new();

    /// <summary>True when the call was queued here and is now dropped (its caller may fail it at once); false when it
    /// runs (its token is signalled), finished, or has not arrived (it is dropped if it does).</summary>
    public bool Cancel(UniqueId taskId)
    {
        lock (_lock)
        {
            if (_calls.TryGetValue(taskId, out var source) && source is not null)
            {
                source.Cancel();
                return false;
            }
            // A queued call leaves the table: its start finds it among the early cancels and drops it.
            var queued = _calls.Remove(taskId);
            if (_early.Add(taskId))
            {
                _earlyOrder.Enqueue(taskId);
                while (_earlyOrder.Count > MaxEarlyCancels)
                {
                    _early.Remove(_earlyOrder.Dequeue());
                }
            }
            return queued;
        }
    }

    /// <summary>The call arrived and waits for its turn; false when a cancel overtook it: it is dropped at once.</summary>
    public bool Queued(TaskSpec spec)
    {
        var id = UniqueId.FromByteString(spec.TaskId);
        lock (_lock)
        {
            if (_early.Count > 0 && _early.Remove(id))
            {
                return false;
            }
            // A re-sent attempt of a call still here (its connection broke) keeps the first attempt's entry, which goes at
            // that attempt's end: a cancel between then and the re-sent attempt's start drops it when it starts, and its
            // caller learns that from its result rather than from the cancel's reply.
            _calls.TryAdd(id, null);
            return true;
        }
    }

    /// <summary>
    /// The call starts: its token becomes the ambient one (<see cref="TaskExecutor.CurrentCancellation"/>) until the
    /// scope is disposed. <see cref="Scope.Dropped"/> when it was cancelled before it started: it must not run.
    /// Without <paramref name="interruptsWaits"/> (a sync actor's call), Ray's Get and Wait in the call do not end
    /// when it is cancelled (see <see cref="TaskCancellationLink"/>).
    /// </summary>
    public Scope Start(TaskSpec spec, bool interruptsWaits)
    {
        var id = UniqueId.FromByteString(spec.TaskId);
        CancellationTokenSource source;
        lock (_lock)
        {
            // A cancel that found the call queued took it out of the table already.
            if (_early.Count > 0 && _early.Remove(id))
            {
                return new Scope(this, id, null);
            }
            source = new CancellationTokenSource();
            _calls[id] = source;
        }
        TaskExecutor.CurrentCancellation = source.Token;
        if (!interruptsWaits)
        {
            TaskCancellationLink.Off();
        }
        return new Scope(this, id, source);
    }

    private void End(UniqueId id)
    {
        TaskExecutor.CurrentCancellation = default;
        TaskCancellationLink.On();
        lock (_lock)
        {
            // Disposed under the lock, so a Cancel never signals a disposed source.
            if (_calls.Remove(id, out var source))
            {
                source?.Dispose();
            }
        }
    }

    /// <summary>The result of a call dropped before it started.</summary>
    public static TaskResult DroppedResult(TaskSpec spec) =>
        TaskRunner.Failure(spec, ErrorConversion.System(ErrorKind.TaskCancelled, spec.FunctionName,
            $"The actor call {spec.FunctionName} ({UniqueId.FromByteString(spec.TaskId)}) was cancelled with Ray.Cancel before it started."));

    internal readonly struct Scope(ActorCallCancellation owner, UniqueId id, CancellationTokenSource? source) : IDisposable
    {
        public bool Dropped => source is null;

        public void Dispose()
        {
            if (source is not null)
            {
                owner.End(id);
            }
        }
    }
}
