using RaySharp.Protocol;

namespace RaySharp.Runtime.Metrics;

/// <summary>
/// This process's task counts for the node's /metrics: submitted, running, finished and failed, for normal tasks
/// and actor calls. Plain interlocked counters on the task's path (one increment each, nothing allocated); the
/// <see cref="MetricsReporter"/> sends what changed once a second. Off (not even counted) when the node exports
/// no metrics.
/// </summary>
internal sealed class TaskCounters(bool enabled)
{
    private long _submitted, _actorSubmitted, _finished, _failed, _actorFinished, _actorFailed, _running, _actorRunning;
    private long _reportedRunning = -1, _reportedActorRunning = -1;

    public bool Enabled { get; } = enabled;

    /// <summary>The owner submitted a task or an actor call (its first attempt).</summary>
    public void Submitted(bool actorCall)
    {
        if (Enabled)
        {
            Interlocked.Increment(ref actorCall ? ref _actorSubmitted : ref _submitted);
        }
    }

    /// <summary>This worker starts running a task or an actor call.</summary>
    public void Started(bool actorCall)
    {
        if (Enabled)
        {
            Interlocked.Increment(ref actorCall ? ref _actorRunning : ref _running);
        }
    }

    /// <summary>The task or call this worker ran ended, as its result says.</summary>
    public void Ended(bool actorCall, TaskResult result)
    {
        if (!Enabled)
        {
            return;
        }
        Interlocked.Decrement(ref actorCall ? ref _actorRunning : ref _running);
        if (IsFailure(result))
        {
            Interlocked.Increment(ref actorCall ? ref _actorFailed : ref _failed);
        }
        else
        {
            Interlocked.Increment(ref actorCall ? ref _actorFinished : ref _finished);
        }
    }

    /// <summary>User code threw, or the result carries an error (cancelled, the actor exited).</summary>
    internal static bool IsFailure(TaskResult result)
    {
        if (result.ApplicationError)
        {
            return true;
        }
        for (var iValue = 0; iValue < result.Returns.Count; iValue++)
        {
            var value = result.Returns[iValue];
            if (value.LocationCase == ObjectValue.LocationOneofCase.Inline && value.Inline.Format == PayloadFormat.Error)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The counts since the last call, and the running ones now; null when nothing changed.</summary>
    public CoreWorkerTaskCounts? Drain()
    {
        if (!Enabled)
        {
            return null;
        }
        var counts = new CoreWorkerTaskCounts
        {
            Submitted = Interlocked.Exchange(ref _submitted, 0),
            ActorCallsSubmitted = Interlocked.Exchange(ref _actorSubmitted, 0),
            Finished = Interlocked.Exchange(ref _finished, 0),
            Failed = Interlocked.Exchange(ref _failed, 0),
            ActorCallsFinished = Interlocked.Exchange(ref _actorFinished, 0),
            ActorCallsFailed = Interlocked.Exchange(ref _actorFailed, 0),
            Running = Interlocked.Read(ref _running),
            ActorCallsRunning = Interlocked.Read(ref _actorRunning),
        };
        var changed = counts.Submitted != 0 || counts.ActorCallsSubmitted != 0 || counts.Finished != 0 || counts.Failed != 0
            || counts.ActorCallsFinished != 0 || counts.ActorCallsFailed != 0
            || counts.Running != _reportedRunning || counts.ActorCallsRunning != _reportedActorRunning;
        (_reportedRunning, _reportedActorRunning) = (counts.Running, counts.ActorCallsRunning);
        return changed ? counts : null;
    }

    /// <summary>A report that did not arrive: its counts go back, to leave with the next one.</summary>
    public void Restore(CoreWorkerTaskCounts counts)
    {
        Interlocked.Add(ref _submitted, counts.Submitted);
        Interlocked.Add(ref _actorSubmitted, counts.ActorCallsSubmitted);
        Interlocked.Add(ref _finished, counts.Finished);
        Interlocked.Add(ref _failed, counts.Failed);
        Interlocked.Add(ref _actorFinished, counts.ActorCallsFinished);
        Interlocked.Add(ref _actorFailed, counts.ActorCallsFailed);
        _reportedRunning = -1;
    }
}
