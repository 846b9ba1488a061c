using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>The raylet's gRPC service.</summary>
internal sealed class NodeManagerService(WorkerPool pool, LeaseManager leases, LogBroadcaster logs, JobLaunches launches, Store.PlasmaStore store,
    ClusterScheduler scheduler, ClusterResourceView view, Memory.WorkerFailureCauses failureCauses, TaskEvents.TaskEventForwarder taskEvents, Stats.ProcessCpuSampler cpu,
    Logs.NodeLogs nodeLogs, Diagnostics.WorkerStacks stacks, Metrics.NodeMetrics metrics) : NodeManager.NodeManagerBase
{
    private static readonly Empty s_empty = new();

    public override async Task RegisterWorker(RegisterWorkerRequest request, IServerStreamWriter<WorkerCommand> responseStream, ServerCallContext context)
    {
        var worker = pool.Register(UniqueId.FromByteString(request.WorkerId), request.Endpoint);
        if (worker is null)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This raylet did not start a worker with that id."));
        }
        await responseStream.WriteAsync(new WorkerCommand { Registered = s_empty }).ConfigureAwait(false);
        // Holding the call open is the lifeline: it ends when the raylet releases the worker or stops.
        await Task.WhenAny(worker.Released.Task, Task.Delay(Timeout.Infinite, context.CancellationToken)).ConfigureAwait(false);
        if (!context.CancellationToken.IsCancellationRequested)
        {
            await responseStream.WriteAsync(new WorkerCommand { Exit = s_empty }).ConfigureAwait(false);
        }
    }

    public override async Task<LeaseReply> RequestWorkerLease(LeaseRequest request, ServerCallContext context)
    {
        if (LeaseRequestValidation.Problem(request) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
        }
        try
        {
            var warned = false;
            var refreshed = false;
            while (true)
            {
                var changed = view.Changed;
                var decision = scheduler.Decide(request);
                if (decision.IsLocal)
                {
                    try
                    {
                        return await leases.RequestAsync(request, context.CancellationToken).ConfigureAwait(false);
                    }
                    catch (BundleMovedException)
                    {
                        // Its bundle left this node (a rollback) while the group lives: decide again where it runs.
                        await RefreshViewAsync(context.CancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }
                if (decision.Error is { } error)
                {
                    if (decision.UnknownNode && !refreshed)
                    {
                        // The GCS may know a node this raylet's picture (read every 250 ms) does not yet: ask once before failing.
                        refreshed = true;
                        await RefreshViewAsync(context.CancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    return new LeaseReply { Error = error, Unschedulable = true };
                }
                if (decision.Node is { } node)
                {
                    return new LeaseReply { SpillbackRayletEndpoint = node.RayletEndpoint, SpillbackNodeId = node.NodeId };
                }
                // No node of the cluster can run it: wait for one to join (Ray keeps infeasible tasks pending).
                // A request for a placement group's bundle waits for the group instead, unless it was removed.
                if (!request.PlacementGroupId.IsEmpty)
                {
                    if (await view.PlacementGroupGoneAsync(request.PlacementGroupId, context.CancellationToken).ConfigureAwait(false))
                    {
                        return new LeaseReply { Error = $"The placement group {UniqueId.FromByteString(request.PlacementGroupId)} was removed." };
                    }
                    warned = true;
                }
                if (!warned)
                {
                    warned = true;
                    leases.WarnInfeasible(request, await launches.OfAsync(request.JobId).ConfigureAwait(false));
                }
                using (scheduler.Waiting(request))
                {
                    await changed.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The lease request was cancelled."));
        }
        catch (WorkerLaunchRefusedException ex)
        {
            // The job's code cannot run here (malformed launch, package that failed verification): its tasks fail with why.
            return new LeaseReply { Error = ex.Message };
        }
    }

    private async Task RefreshViewAsync(CancellationToken cancellationToken)
    {
        try
        {
            await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The GCS cannot be asked now: the picture held is the best answer there is.
        }
    }

    public override Task<PrepareBundleReply> PrepareBundleResources(BundleRequest request, ServerCallContext context)
    {
        var group = BundleRequestValidation.Group(request, needBundles: true);
        return Task.FromResult(new PrepareBundleReply { Success = leases.PrepareBundles(group, request.Bundles) });
    }

    public override async Task<Empty> CommitBundleResources(BundleRequest request, ServerCallContext context)
    {
        var group = BundleRequestValidation.Group(request, needBundles: true);
        leases.CommitBundles(group, request.Bundles.Select(b => b.Index));
        // Reported before the GCS hears back: the next group it places sees this node as it is now, not 250 ms ago.
        await RefreshViewAsync(context.CancellationToken).ConfigureAwait(false);
        return s_empty;
    }

    public override async Task<Empty> CancelBundleResources(BundleRequest request, ServerCallContext context)
    {
        var group = BundleRequestValidation.Group(request, needBundles: false);
        leases.CancelBundles(group, request.Bundles.Select(b => b.Index).ToHashSet());
        await RefreshViewAsync(context.CancellationToken).ConfigureAwait(false);
        return s_empty;
    }

    public override Task<Empty> ReturnWorker(ReturnWorkerRequest request, ServerCallContext context)
    {
        leases.Return(UniqueId.FromByteString(request.LeaseId), request.WorkerDead, request.Retire);
        return Task.FromResult(s_empty);
    }

    public override async Task<Empty> JobFinished(JobFinishedRequest request, ServerCallContext context)
    {
        if (UniqueId.FromByteString(request.JobId).IsNil)
        {
            // An empty job id would match the leases of detached actors (they belong to no job).
            throw new RpcException(new Status(StatusCode.InvalidArgument, "JobFinished needs the job's id."));
        }
        leases.OnJobFinished(request.JobId, request.DriverWorkerId);
        if (!request.DriverWorkerId.IsEmpty)
        {
            store.OnClientGone(UniqueId.FromByteString(request.DriverWorkerId));
        }
        // Idle workers with the job's code go too; a job with the same code starts new ones on demand.
        // Only a job this raylet looked up can have workers here: another's package is not downloaded just to end it.
        try
        {
            if (await launches.CachedAsync(request.JobId).ConfigureAwait(false) is { } launch)
            {
                pool.StopIdle(launch);
                leases.ForgetWarnings(WorkerLaunchKey.Of(launch));
            }
        }
        catch (WorkerLaunchRefusedException)
        {
            // No worker of that job ever started here.
        }
        finally
        {
            launches.Forget(request.JobId);
        }
        return s_empty;
    }

    public override Task<WorkerFailureCauseReply> GetWorkerFailureCause(WorkerFailureCauseRequest request, ServerCallContext context)
    {
        if (request.WorkerId.Length != 16)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "worker_id is not a worker id."));
        }
        return Task.FromResult(failureCauses.Get(UniqueId.FromByteString(request.WorkerId)));
    }

    public override Task<Empty> NotifyBlocked(BlockedRequest request, ServerCallContext context)
    {
        leases.NotifyBlocked(UniqueId.FromByteString(request.WorkerId));
        return Task.FromResult(s_empty);
    }

    public override Task<Empty> NotifyUnblocked(BlockedRequest request, ServerCallContext context)
    {
        leases.NotifyUnblocked(UniqueId.FromByteString(request.WorkerId));
        return Task.FromResult(s_empty);
    }

    public override Task<ResourcesReply> GetResources(Empty request, ServerCallContext context)
    {
        var (total, available) = leases.Snapshot();
        var reply = new ResourcesReply();
        reply.Total.Add(total);
        reply.Available.Add(available);
        return Task.FromResult(reply);
    }

    public override async Task SubscribeLogs(SubscribeLogsRequest request, IServerStreamWriter<LogBatch> responseStream, ServerCallContext context)
    {
        WorkerLaunch launch;
        try
        {
            launch = await launches.OfAsync(request.JobId).ConfigureAwait(false);
        }
        catch (WorkerLaunchRefusedException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
        var subscription = logs.Subscribe(WorkerLaunchKey.Of(launch));
        try
        {
            while (await subscription.Reader.WaitToReadAsync(context.CancellationToken).ConfigureAwait(false))
            {
                if (subscription.NextBatch() is { } batch)
                {
                    await responseStream.WriteAsync(batch).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            logs.Unsubscribe(subscription);
        }
    }

    public override Task<WorkerTable> ListWorkers(Empty request, ServerCallContext context)
    {
        var table = new WorkerTable { NodeId = store.NodeId.ToByteString() };
        var workers = pool.Snapshot();
        var usage = cpu.Sample(workers.Where(w => w.IsAlive).Select(w => w.Pid));
        foreach (var worker in workers)
        {
            if (worker.IsAlive && usage.TryGetValue(worker.Pid, out var use))
            {
                (worker.CpuPercent, worker.RssBytes) = use;
            }
            if (!worker.IsAlive && failureCauses.Get(UniqueId.FromByteString(worker.WorkerId)) is { Known: true } cause)
            {
                worker.ExitDetail = cause.Message;
            }
            table.Workers.Add(worker);
        }
        return Task.FromResult(table);
    }

    public override Task<Empty> ReportTaskEvents(RawTaskEvents request, ServerCallContext context)
    {
        taskEvents.Add(request);
        return Task.FromResult(s_empty);
    }

    public override Task<LogFileList> ListLogs(Empty request, ServerCallContext context) => Task.FromResult(nodeLogs.List(store.NodeId.ToByteString()));

    public override Task StreamLog(StreamLogRequest request, IServerStreamWriter<LogChunk> responseStream, ServerCallContext context) =>
        nodeLogs.StreamAsync(nodeLogs.Resolve(request), request.TailLines, request.Follow, responseStream, context.CancellationToken);

    public override async Task<WorkerStacksReply> GetWorkerStacks(WorkerStacksRequest request, ServerCallContext context)
    {
        var reply = new WorkerStacksReply { NodeId = store.NodeId.ToByteString() };
        var pids = pool.Snapshot().Where(w => w.IsAlive && (request.Pid == 0 || w.Pid == request.Pid)).Select(w => w.Pid).ToList();
        if (request.Pid != 0 && pids.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No live worker of this node has the pid {request.Pid}."));
        }
        foreach (var pid in pids)
        {
            reply.Workers.Add(await stacks.ReadAsync(pid, context.CancellationToken).ConfigureAwait(false));
        }
        return reply;
    }

    public override Task<Empty> ReportMetrics(MetricsReport request, ServerCallContext context)
    {
        // Counts are deltas and running counts: never negative from a real worker; a report that says otherwise is refused whole.
        if (request.Tasks is { } t && (t.Submitted < 0 || t.ActorCallsSubmitted < 0 || t.Finished < 0 || t.Failed < 0 || t.ActorCallsFinished < 0
            || t.ActorCallsFailed < 0 || t.Running < 0 || t.ActorCallsRunning < 0))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A metrics report's task counts are never negative."));
        }
        try
        {
            metrics.Apply(request);
        }
        catch (ArgumentException ex)
        {
            // A user metric the node's registry cannot take (e.g. a negative counter increment).
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The metrics report was refused: " + ex.Message));
        }
        return Task.FromResult(s_empty);
    }
}
