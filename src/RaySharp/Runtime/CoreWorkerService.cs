using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>The gRPC service every driver and worker serves: task pushes and object status for borrowers.</summary>
internal sealed class CoreWorkerService(CoreWorker worker) : Protocol.CoreWorker.CoreWorkerBase
{
    public override async Task PushTasks(IAsyncStreamReader<TaskBatch> requestStream, IServerStreamWriter<TaskResultBatch> responseStream, ServerCallContext context)
    {
        if (worker.Executor is null)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "A driver does not execute tasks."));
        }
        // Headers at once: the caller learns that this process accepted the stream (ActorClient tells a
        // broken connection to a live actor from a process that cannot be reached by them).
        await context.WriteResponseHeadersAsync(new Metadata()).ConfigureAwait(false);
        await worker.Executor.ServeAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    public override Task<CancelTaskReply> CancelTask(CancelTaskRequest request, ServerCallContext context)
    {
        if (!request.ObjectId.IsEmpty)
        {
            // Forwarded by a process that holds a ref to a result of this process's task or actor call.
            var refused = worker.CancelOwned(ObjectId.FromByteString(request.ObjectId), request.Force, request.Recursive);
            return Task.FromResult(new CancelTaskReply { Error = refused ?? "" });
        }
        var id = UniqueId.FromByteString(request.TaskId);
        // Children first: a forced cancel below ends this process.
        if (request.Recursive)
        {
            worker.CancelChildren(request.TaskId, request.Force);
        }
        // A shared actor's calls are queued and run by that actor's own executor: the host's task executor never has them.
        if (!request.ActorId.IsEmpty && worker.SharedActors.TryGetValue(UniqueId.FromByteString(request.ActorId), out var shared))
        {
            return Task.FromResult(new CancelTaskReply { Dropped = shared.Cancel(id) });
        }
        if (worker.Actor is { } actor && actor.Cancel(id))
        {
            return Task.FromResult(new CancelTaskReply { Dropped = true });
        }
        worker.Executor?.Cancel(id, request.Force);
        return Task.FromResult(new CancelTaskReply());
    }

    public override Task ReportGeneratorItems(IAsyncStreamReader<GeneratorItem> requestStream, IServerStreamWriter<GeneratorAck> responseStream, ServerCallContext context) =>
        worker.Generators.ServeAsync(requestStream, responseStream, context.CancellationToken);

    public override async Task<ObjectValue> GetObjectStatus(GetObjectStatusRequest request, ServerCallContext context)
    {
        var id = ObjectId.FromByteString(request.ObjectId);
        if (!worker.Memory.TryGet(id, out var entry) || entry.IsBorrowed)
        {
            return ObjectValues.Error(id, ErrorConversion.System(ErrorKind.ObjectLost, "", $"Object {id} is not owned by this process."));
        }
        return await entry.Ready.WaitAsync(context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task<ObjectValue> RecoverObject(RecoverObjectRequest request, ServerCallContext context)
    {
        var id = ObjectId.FromByteString(request.ObjectId);
        return await worker.Recovery.RecoverAsync(id, request.LostNodeId).WaitAsync(context.CancellationToken).ConfigureAwait(false);
    }

    public override Task<Empty> AddBorrower(BorrowRequest request, ServerCallContext context)
    {
        foreach (var id in request.ObjectIds)
        {
            worker.References.AddBorrower(ObjectId.FromByteString(id), request.BorrowerEndpoint);
        }
        return Task.FromResult(new Empty());
    }

    public override Task<Empty> RemoveBorrower(BorrowRequest request, ServerCallContext context)
    {
        foreach (var id in request.ObjectIds)
        {
            worker.References.RemoveBorrower(ObjectId.FromByteString(id), request.BorrowerEndpoint);
        }
        return Task.FromResult(new Empty());
    }

    public override Task<ReferenceTable> GetReferences(Empty request, ServerCallContext context) => Task.FromResult(worker.ReferenceTable());

    public override Task<CreateActorReply> CreateActor(CreateActorRequest request, ServerCallContext context)
    {
        // A process actor has its worker to itself; a shared host takes only shared actors.
        if (worker.Executor is null || worker.Actor is not null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "This process cannot host the actor."));
        }
        if (request.Spec is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "CreateActor needs the actor's creation spec."));
        }
        var shared = request.Spec.Shared;
        if (!shared && !worker.SharedActors.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "A shared actor host cannot become a process actor."));
        }
        // The constructor is a task of its own in the state API, the timeline and the traces, as Ray's creation task.
        var creation = ActorExecutor.CreationTask(request.Spec, request.NumRestarts);
        worker.TaskEvents.Started(creation);
        using var span = Tracing.TaskTracing.Execute(creation);
        try
        {
            // An actor placed in another namespace (SetNamespace) runs in its job's, as Ray's does.
            worker.OnTaskStarted(new TaskSpec { JobId = request.Spec.JobId,
                Namespace = request.Spec.JobNamespace.Length > 0 ? request.Spec.JobNamespace : request.Spec.Namespace });
            if (!shared)
            {
                // Its lease's GPUs, set before the constructor runs (a CUDA context is often made there), as Ray does.
                worker.Executor.SetGpuIds(request.GpuIds);
                worker.Actor = ActorExecutor.Create(worker, request.Spec, request.NumRestarts);
                return Task.FromResult(Created(creation));
            }
            var actor = ActorExecutor.Create(worker, request.Spec, request.NumRestarts);
            var created = Created(creation);
            if (worker.SharedActors.TryGetValue(actor.ActorId, out var previous))
            {
                // A restart placed on the same host (e.g. after Ray.Kill without no_restart): the old incarnation goes.
                previous.Kill();
                worker.Executor.AbortActorStreams(actor.ActorId);
            }
            worker.SharedActors[actor.ActorId] = actor;
            return Task.FromResult(created);
        }
        catch (Exception ex)
        {
            var error = ErrorConversion.FromException(ex, request.Spec.ClassName + " constructor");
            worker.TaskEvents.CreationFailed(creation, error);
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            return Task.FromResult(new CreateActorReply { Error = error });
        }
    }

    // The run's times go back with the reply, for the GCS to record.
    private CreateActorReply Created(TaskSpec creation)
    {
        var (start, end) = worker.TaskEvents.CreationEnded(creation);
        return new CreateActorReply { RunStartNs = start, RunEndNs = end };
    }

    public override async Task WatchActor(ActorRequest request, IServerStreamWriter<Empty> responseStream, ServerCallContext context)
    {
        // Nothing is ever sent: the stream lives as long as this process does (for a shared host: one watch for
        // all its actors, whose kills the GCS handles itself).
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override Task<Empty> KillActor(ActorRequest request, ServerCallContext context)
    {
        if (!request.ActorId.IsEmpty && worker.Actor is null)
        {
            // One actor of a shared host: it alone goes (no call of it starts from here on, and its callers'
            // streams break); the process serves the others. Killing one already gone is done.
            var id = UniqueId.FromByteString(request.ActorId);
            if (worker.SharedActors.TryRemove(id, out var shared))
            {
                shared.Kill();
                worker.Executor?.AbortActorStreams(id);
            }
            return Task.FromResult(new Empty());
        }
        if (worker.Actor is null)
        {
            // Only an actor's process ends this way: a driver or a task worker is not the GCS's to kill.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "This process hosts no actor."));
        }
        // No call starts from here on; reply, then go: results already queued get a moment to reach their callers.
        worker.Actor.Kill();
        _ = Task.Run(async () =>
        {
            await Task.Delay(100).ConfigureAwait(false);
            Environment.Exit(0);
        });
        return Task.FromResult(new Empty());
    }
}
