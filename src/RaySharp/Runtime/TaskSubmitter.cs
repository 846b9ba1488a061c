using System.Collections.Concurrent;
using Grpc.Core;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The owner's side of normal tasks (Ray's direct task submitter): waits for a task's ref arguments,
/// queues it by scheduling class, leases workers from the raylet and pushes tasks straight to them.
/// Results come back to this process, which owns them.
/// </summary>
internal sealed class TaskSubmitter(CoreWorker worker)
{
    /// <summary>Ray's max_pending_lease_requests_per_scheduling_category.</summary>
    public const int MaxPendingLeaseRequests = 10;

    private readonly ConcurrentDictionary<string, SchedulingClass> _classes = new();
    private readonly LocalityPicker _locality = new(worker);
    private DependencyResolver? _resolver;

    // Made on first use (its callbacks are this submitter's methods); one for all, however submitters race to make it.
    private DependencyResolver Resolver =>
        Volatile.Read(ref _resolver) ?? Interlocked.CompareExchange(ref _resolver, new DependencyResolver(worker, ResolvedTask, Fail), null) ?? _resolver!;

    // Tasks submitted and not yet finished for good, by task id, that the lineage does not keep as pending (a streaming
    // generator, a re-run of a lost object's task): what Ray.Cancel can reach besides the lineage's pending tasks.
    private readonly ConcurrentDictionary<Common.Ids.UniqueId, PendingTask> _pending = new();
    private volatile bool _stopped;

    /// <summary>How long a leased worker is kept with nothing to do before it goes back to the raylet.
    /// Short, so idle leases never starve other owners, but long enough to serve a Get-then-submit loop.</summary>
    public static TimeSpan IdleLeaseTimeout { get; } = TimeSpan.FromMilliseconds(20);

    public void Submit(PendingTask task)
    {
        using var span = Tracing.TaskTracing.Submit(task);
        worker.Counters.Submitted(actorCall: false);
        task.ParentTaskId ??= TaskExecutor.CurrentTask?.TaskId;
        if (!task.InLineage)
        {
            _pending[task.TaskId] = task;
        }
        worker.TaskEvents.Submitted(task, task.Dependencies is { Length: > 0 } ? TaskState.PendingArgsAvail : TaskState.PendingNodeAssignment, ClassResources(task));
        if (task.SetupError is { } setupError)
        {
            Fail(task, setupError);
        }
        else if (task.Dependencies is { Length: > 0 })
        {
            Resolver.Resolve(task);
        }
        else
        {
            Enqueue(task);
        }
    }

    public void Stop() => _stopped = true;

    // The task's resources as its scheduling class keeps them (alive as long as the class), so a task event never holds the spec's own map.
    private Google.Protobuf.Collections.MapField<string, double> ClassResources(PendingTask task) =>
        _classes.TryGetValue(task.SchedulingKey, out var cls) ? cls.Resources : task.Resources;

    // Its ref arguments are filled in (see DependencyResolver).
    private void ResolvedTask(PendingTask task)
    {
        worker.TaskEvents.State(task, TaskState.PendingNodeAssignment);
        Enqueue(task);
    }

    private void Enqueue(PendingTask task)
    {
        if (_stopped)
        {
            return;
        }
        task.PushTo(null);
        if (task.IsCancelled)
        {
            Finished(task);
            return;
        }
        var cls = _classes.GetOrAdd(task.SchedulingKey, _ => new SchedulingClass(task.SchedulingKey, task.Resources, task.Strategy) { RuntimeEnv = task.Template.RuntimeEnv, MaxCalls = task.Shape.Template.MaxCalls });
        cls.FunctionName = task.FunctionName;
        if (LeasedWorker.ClaimIdle(cls) is { } idle && idle.TrySendInline(task))
        {
            return;
        }
        cls.Queue.Writer.TryWrite(task);
        MaybeRequestLease(cls);
    }

    /// <summary>Asks the raylet for another worker while more tasks wait than idle or requested workers could take.</summary>
    internal void MaybeRequestLease(SchedulingClass cls)
    {
        lock (cls.Lock)
        {
            var queued = cls.Queue.Reader.Count;
            if (_stopped || queued <= cls.IdleLeases + cls.PendingLeaseRequests || cls.PendingLeaseRequests >= MaxPendingLeaseRequests)
            {
                return;
            }
            cls.PendingLeaseRequests++;
        }
        // On the pool: choosing the node may ask the GCS synchronously (LocalityPicker), and this runs on a submitting
        // thread or on a lease's connection reader thread (a handed-back task), neither of which should wait for that.
        _ = Task.Run(() => RequestLeaseAsync(cls));
    }

    private async Task RequestLeaseAsync(SchedulingClass cls)
    {
        LeaseReply lease;
        NodeManager.NodeManagerClient raylet;
        Common.Ids.UniqueId node;
        try
        {
            // The next task's large arguments decide which node's raylet is asked first.
            (raylet, node) = _locality.Pick(cls.Queue.Reader.TryPeek(out var next) ? next : null);
            var request = new LeaseRequest
            {
                JobId = worker.JobId.ToByteString(),
                FunctionName = cls.FunctionName,
                OwnerWorkerId = worker.WorkerId.ToByteString(),
                Strategy = cls.Strategy.Kind,
                AffinitySoft = cls.Strategy.Soft,
                // The task the lease is asked for: its worker is killed first when memory runs low, as it would run again.
                Retriable = next is { RetriesLeft: > 0 },
            };
            if (cls.Strategy.NodeId.Length > 0 && Common.Ids.UniqueId.TryParse(cls.Strategy.NodeId, out var affinity))
            {
                request.AffinityNodeId = affinity.ToByteString();
            }
            request.Resources.Add(cls.Resources);
            if (cls.Strategy.Group is { } group)
            {
                request.PlacementGroupId = group.GroupId.ToByteString();
            }
            request.RuntimeEnv = cls.RuntimeEnv;
            // A lease may wait as long as the node's resources are busy, but not on a node that died.
            lease = await raylet.RequestWorkerLeaseAsync(request, cancellationToken: worker.NodeDeaths.TokenFor(node)).ConfigureAwait(false);
            // Spillback: the local raylet named a node that can run it; that raylet grants (or queues) without spilling again.
            if (lease.SpillbackRayletEndpoint.Length > 0)
            {
                raylet = new NodeManager.NodeManagerClient(Common.Transport.ChannelPool.Get(lease.SpillbackRayletEndpoint));
                node = Common.Ids.UniqueId.FromByteString(lease.SpillbackNodeId);
                request.GrantOrReject = true;
                lease = await raylet.RequestWorkerLeaseAsync(request, cancellationToken: worker.NodeDeaths.TokenFor(node)).ConfigureAwait(false);
            }
        }
        catch (RpcException) when (_stopped)
        {
            return;
        }
        catch (RpcException)
        {
            // The raylet is unreachable: try again shortly rather than lose the queued tasks.
            await System.Threading.Tasks.Task.Delay(200).ConfigureAwait(false);
            lock (cls.Lock)
            {
                cls.PendingLeaseRequests--;
            }
            MaybeRequestLease(cls);
            return;
        }
        if (lease.Error.Length > 0)
        {
            lock (cls.Lock)
            {
                cls.PendingLeaseRequests--;
            }
            FailQueued(cls, lease.Error, lease.RuntimeEnvSetupFailed ? ErrorKind.RuntimeEnvSetup
                : lease.Unschedulable ? ErrorKind.TaskUnschedulable : ErrorKind.TaskError);
            return;
        }
        lock (cls.Lock)
        {
            cls.PendingLeaseRequests--;
            cls.ActiveLeases++;
        }
        try
        {
            await new LeasedWorker(this, cls, lease, raylet, node, worker).RunAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (cls.Lock)
            {
                cls.ActiveLeases--;
            }
            MaybeRequestLease(cls);
        }
    }

    /// <summary>
    /// No node will ever grant the class's leases (a hard node affinity to a dead node, a runtime env that cannot
    /// be set up): its queued tasks fail.
    /// </summary>
    private void FailQueued(SchedulingClass cls, string message, ErrorKind kind)
    {
        while (cls.Queue.Reader.TryRead(out var task))
        {
            Fail(task, ErrorConversion.System(kind, task.FunctionName, message));
        }
    }

    /// <summary>A result came back from a leased worker.</summary>
    internal void OnResult(PendingTask task, TaskResult result)
    {
        if (result.Requeued)
        {
            Enqueue(task);
            return;
        }
        // The worker judged whether the exception is one of the task's retry exception types (RetryExceptionTypes).
        if (result.RetryableError && task.RetryExceptions && task.RetriesLeft > 0 && !task.IsCancelled)
        {
            Retry(task);
            return;
        }
        var returns = result.Returns;
        var inMemory = true;
        for (var i = 0; i < returns.Count; i++)
        {
            inMemory &= returns[i].LocationCase != ObjectValue.LocationOneofCase.StoreNodeId;
            worker.CompleteOwned(returns[i], task.FunctionName);
        }
        // Finished first: the lineage keeps a pending task's entry.
        Finished(task);
        if (inMemory)
        {
            // As Ray's task manager releases the lineage of direct returns: a value kept in this process's memory
            // is lost only with this process, so nothing would re-run the task.
            worker.Lineage.OnFinishedInMemory(task.TaskId);
        }
    }

    /// <summary>
    /// The worker running the task died: retry while retries are left (Ray's max_retries). A worker the
    /// raylet's memory monitor killed (<paramref name="failureCause"/>) is retried after a pause, so the
    /// node's memory can settle, and otherwise fails with <see cref="RayOutOfMemoryException"/>.
    /// </summary>
    internal void OnWorkerDied(PendingTask task, int pid, Common.Ids.UniqueId node, string? nodeDeathCause, WorkerFailureCauseReply? failureCause = null,
        bool notItsFault = false)
    {
        if (task.IsCancelled)
        {
            // Cancelled tasks are not retried (a forced cancel kills the worker on purpose); their results are already failed.
            Finished(task);
            return;
        }
        if (notItsFault)
        {
            // Queued on the worker behind a task that Ray.Cancel(force) killed it for: not its failure, so it runs again
            // without spending a retry (Ray runs one task per worker at a time, so its force kills nothing else).
            task.Attempt++;
            worker.TaskEvents.Submitted(task, TaskState.PendingNodeAssignment, ClassResources(task));
            Enqueue(task);
            return;
        }
        var outOfMemory = failureCause is { Known: true, Kind: ErrorKind.OutOfMemory };
        if (task.RetriesLeft > 0)
        {
            if (outOfMemory)
            {
                _ = RetryLaterAsync(task, OomRetryDelay);
            }
            else
            {
                Retry(task);
            }
            return;
        }
        if (outOfMemory)
        {
            Fail(task, ErrorConversion.System(ErrorKind.OutOfMemory, task.FunctionName,
                $"{failureCause!.Message} The task {task.FunctionName} has no retries left (it ran {task.Attempt + 1} time(s)). Raise them with SetMaxRetries."));
            return;
        }
        var what = nodeDeathCause is null
            ? $"The worker process (pid={pid}) on node {node} running {task.FunctionName} died unexpectedly"
            : $"The node {node} running {task.FunctionName} (worker pid={pid}) died: {nodeDeathCause}";
        Fail(task, ErrorConversion.System(ErrorKind.WorkerCrashed, task.FunctionName,
            $"{what}, and the task has no retries left (it ran {task.Attempt + 1} time(s)). Raise them with SetMaxRetries."));
    }

    /// <summary>Ray's task_oom_retry_delay_base_ms: a task killed for memory waits this long before it runs again.</summary>
    internal static TimeSpan OomRetryDelay { get; } = TimeSpan.FromSeconds(1);

    private async Task RetryLaterAsync(PendingTask task, TimeSpan delay)
    {
        await System.Threading.Tasks.Task.Delay(delay).ConfigureAwait(false);
        Retry(task);
    }

    private void Retry(PendingTask task)
    {
        task.RetriesLeft--;
        task.Attempt++;
        worker.TaskEvents.Submitted(task, TaskState.PendingNodeAssignment, ClassResources(task));
        Enqueue(task);
    }

    private void Fail(PendingTask task, ErrorInfo error)
    {
        worker.TaskEvents.Failed(task, error);
        FailReturns(task, error);
        // Finished first: the lineage keeps a pending task's entry.
        Finished(task);
        // Its returns are errors, kept in memory: nothing re-runs it.
        worker.Lineage.OnFinishedInMemory(task.TaskId);
    }

    private void FailReturns(PendingTask task, ErrorInfo error)
    {
        foreach (var id in task.ReturnIds)
        {
            worker.CompleteOwned(ObjectValues.Error(id, error), task.FunctionName);
        }
    }

    /// <summary>The task is done for good (not retried, not cancellable any more): its arguments stop keeping objects alive.</summary>
    internal void Finished(PendingTask task)
    {
        if (task.InLineage)
        {
            worker.Lineage.OnTaskFinished(task);
        }
        else
        {
            _pending.TryRemove(new KeyValuePair<Common.Ids.UniqueId, PendingTask>(task.TaskId, task));
        }
        task.ReleaseHolds(worker.References);
    }

    /// <summary>
    /// Ray.Cancel of a task this process submitted: its results fail with <see cref="RayTaskCancelledException"/> at
    /// once. A queued task is dropped when it would be pushed; a pushed one is cancelled by its worker, which keeps
    /// its arguments' holds until the worker answers or dies. False when the task is not one of this process's
    /// pending normal tasks (finished, or an actor call).
    /// </summary>
    public bool Cancel(Common.Ids.UniqueId taskId, bool force, bool recursive)
    {
        // A re-run of a lost object's task is in the submitter's own table, its first run (finished) in the lineage.
        if ((worker.Lineage.GetPending(taskId) ?? (_pending.TryGetValue(taskId, out var own) ? own : null)) is not { } task)
        {
            return false;
        }
        if (!task.MarkCancelled())
        {
            return true;
        }
        FailReturns(task, ErrorConversion.System(ErrorKind.TaskCancelled, task.FunctionName,
            $"Task {task.FunctionName} ({taskId}) was cancelled with Ray.Cancel{(force ? " (force: its worker was killed)" : "")}."));
        if (task.WorkerEndpoint is { } endpoint)
        {
            if (force)
            {
                // Before the kill: the tasks queued behind it on that worker come back lost, and are not to blame.
                _forceKilled[endpoint] = task.TaskId;
            }
            _ = TellWorkerAsync(endpoint, new CancelTaskRequest { TaskId = task.TaskId.ToByteString(), Force = force, Recursive = recursive });
        }
        return true;
    }

    // The task a forced cancel was sent for, by its worker's endpoint, until that worker's lease ends (TakeForceKilled).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Common.Ids.UniqueId> _forceKilled = new(StringComparer.Ordinal);

    /// <summary>
    /// A lease ended: the task a forced cancel was sent for on its worker, if any (an endpoint names one process). The worker
    /// was killed for it only if that task is among the lease's lost ones (a task still queued there is only dropped).
    /// </summary>
    internal Common.Ids.UniqueId? TakeForceKilled(string endpoint) => _forceKilled.TryRemove(endpoint, out var id) ? id : null;

    /// <summary>Cancels the pending tasks that the task <paramref name="parentTaskId"/> submitted from this process (a recursive cancel).</summary>
    public void CancelChildren(Google.Protobuf.ByteString parentTaskId, bool force)
    {
        foreach (var task in worker.Lineage.PendingChildren(parentTaskId).Concat(_pending.Values))
        {
            if (task.ParentTaskId == parentTaskId)
            {
                Cancel(task.TaskId, force, recursive: true);
            }
        }
    }

    private async Task TellWorkerAsync(string endpoint, CancelTaskRequest request)
    {
        try
        {
            // On the connection the task is pushed on: the cancel follows the task once that was written, as before the
            // pushes had a connection of their own (the worker drops a queued task it names, and knows nothing of one
            // still on its way).
            var client = Common.Transport.Framed.WireChannels.TaskPush(endpoint);
            await client.CancelTaskAsync(request, deadline: Common.Transport.RpcDeadlines.Control()).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The worker is gone (a forced cancel kills it) or going: its stream's end reports the task, which is not retried.
        }
    }
}
