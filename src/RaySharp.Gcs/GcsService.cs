using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Gcs.Actors;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>The GCS's gRPC service over <see cref="GcsTables"/>.</summary>
internal sealed class GcsService(GcsTables tables, GcsActorManager actors, PlacementGroups.GcsPlacementGroupManager placementGroups, GcsJobManager jobs, NodeHealthChecker health, PackageCollector packages, Tasks.GcsTaskManager taskEvents, ILogger<GcsService> logger)
    : Protocol.Gcs.GcsBase
{
    private static readonly Empty s_empty = new();
    private static readonly ResourceReportReply s_alive = new() { Status = NodeStatus.NodeAlive };
    private static readonly ResourceReportReply s_dead = new() { Status = NodeStatus.NodeDead };
    private static readonly ResourceReportReply s_unknown = new() { Status = NodeStatus.NodeUnknown };

    public override Task<Empty> RegisterNode(NodeInfo request, ServerCallContext context)
    {
        if (NodeInfoValidation.Problem(request) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
        }
        if (Common.RaySharpVersion.Mismatch(request.Version, "node") is { } mismatch)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, mismatch));
        }
        var id = UniqueId.FromByteString(request.NodeId);
        if (id.IsNil)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A node registers with its 16-byte id."));
        }
        if (tables.Nodes.TryGetValue(id, out var known) && !known.Alive)
        {
            // A node declared dead stays dead (Ray): its tasks were retried and its actors restarted elsewhere.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Node {id} was declared dead ({known.DeathCause}); it must not rejoin."));
        }
        tables.AddNode(id, request);
        GcsLog.NodeRegistered(logger, id.ToString(), request.RayletEndpoint,
            string.Join(", ", request.ResourcesTotal.Select(r => $"{r.Key}: {r.Value}")));
        return Task.FromResult(s_empty);
    }

    public override Task<Empty> UnregisterNode(UnregisterNodeRequest request, ServerCallContext context)
    {
        var id = UniqueId.FromByteString(request.NodeId);
        if (tables.MarkDead(id, GcsTables.StoppedCause + " (raysharp stop, or its program shut down).") && tables.Nodes.TryGetValue(id, out var node))
        {
            GcsLog.NodeStopped(logger, id.ToString(), node.RayletEndpoint);
        }
        return Task.FromResult(s_empty);
    }

    public override Task<ResourceReportReply> ReportResources(ResourceReport request, ServerCallContext context)
    {
        var id = UniqueId.FromByteString(request.NodeId);
        if (!tables.Nodes.TryGetValue(id, out var node))
        {
            return Task.FromResult(s_unknown);
        }
        if (!node.Alive)
        {
            GcsLog.DeadNodeReported(logger, id.ToString());
            return Task.FromResult(s_dead);
        }
        tables.RecordReport(id);
        tables.UpdateNode(id, n =>
        {
            n.ResourcesAvailable.Clear();
            n.ResourcesAvailable.Add(request.Available);
            if (request.Total.Count > 0)
            {
                // Placement-group bundles add and remove resources of their own.
                n.ResourcesTotal.Clear();
                n.ResourcesTotal.Add(request.Total);
            }
            n.PendingDemands.Clear();
            n.PendingDemands.AddRange(request.PendingDemands);
            if (request.Stats is { } stats)
            {
                n.Stats = stats;
            }
        });
        // Bounded like any input from the network: a raylet sends a handful at most.
        foreach (var e in request.Events.Take(100))
        {
            if (e.Message.Length > 4000)
            {
                e.Message = e.Message[..4000];
            }
            // Who saw it is the reporting node, whatever the event says.
            e.NodeId = request.NodeId;
            e.SourceType = "RAYLET";
            tables.Events.Add(e);
        }
        if (request.DeadWorkers.Count > 0)
        {
            tables.WorkerFailures.Add(request.DeadWorkers);
        }
        var (failures, total) = tables.WorkerFailures.Since(request.KnownWorkerFailures);
        if (total == 0)
        {
            return Task.FromResult(s_alive);
        }
        var reply = new ResourceReportReply { Status = NodeStatus.NodeAlive, WorkerFailures = total };
        reply.DeadWorkers.AddRange(failures);
        return Task.FromResult(reply);
    }

    public override async Task NodeLifeline(NodeLifelineRequest request, IServerStreamWriter<Empty> responseStream, ServerCallContext context)
    {
        var id = UniqueId.FromByteString(request.NodeId);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        // The call ended: the raylet process died, or only its connection broke. The probe tells which.
        _ = health.OnLifelineLostAsync(id);
    }

    public override async Task WatchNodes(Empty request, IServerStreamWriter<NodeInfo> responseStream, ServerCallContext context)
    {
        var changes = tables.Watchers.Subscribe();
        try
        {
            foreach (var node in tables.Nodes.Values)
            {
                await responseStream.WriteAsync(node, context.CancellationToken).ConfigureAwait(false);
            }
            await foreach (var node in changes.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(node, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            tables.Watchers.Unsubscribe(changes);
        }
    }

    public override Task<NodeList> GetAllNodes(Empty request, ServerCallContext context)
    {
        var list = new NodeList();
        list.Nodes.AddRange(tables.Nodes.Values);
        return Task.FromResult(list);
    }

    public override async Task<RegisterJobReply> RegisterJob(RegisterJobRequest request, ServerCallContext context)
    {
        if (Common.RaySharpVersion.Mismatch(request.Version, "driver") is { } mismatch)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, mismatch));
        }
        if (request.Driver is null || UniqueId.FromByteString(request.Driver.WorkerId).IsNil)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A job registers with its driver's address."));
        }
        if (request.WorkerLaunch is { } launch && Common.Security.WorkerLaunchRules.Problem(launch) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"The job's worker launch is refused: {problem}."));
        }
        var id = await tables.NextJobIdAsync().ConfigureAwait(false);
        await tables.AddJobAsync(id, request).ConfigureAwait(false);
        GcsLog.JobRegistered(logger, id.ToString(), request.DriverPid, request.Namespace);
        return new RegisterJobReply { JobId = id.ToByteString() };
    }

    public override async Task<Empty> MarkJobFinished(MarkJobFinishedRequest request, ServerCallContext context)
    {
        var job = UniqueId.FromByteString(request.JobId);
        if (job.IsNil)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "MarkJobFinished needs the job's id."));
        }
        await jobs.FinishJobAsync(job).ConfigureAwait(false);
        return s_empty;
    }

    public override async Task WatchJob(GetJobRequest request, IServerStreamWriter<Empty> responseStream, ServerCallContext context)
    {
        var job = UniqueId.FromByteString(request.JobId);
        jobs.WatchStarted(job);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            jobs.WatchEnded(job);
        }
        // The driver is gone, however it went (a driver that shut down cleanly finished the job already).
        if (tables.IsJobLive(job))
        {
            GcsLog.DriverGone(logger, job.ToString());
            await jobs.FinishJobAsync(job).ConfigureAwait(false);
        }
    }

    public override Task<RegisterJobRequest> GetJob(GetJobRequest request, ServerCallContext context) =>
        Task.FromResult(tables.Jobs.TryGetValue(UniqueId.FromByteString(request.JobId), out var job)
            ? job
            : throw new RpcException(new Status(StatusCode.NotFound, "No such job (it finished or never registered).")));

    public override Task<RegisterActorReply> RegisterActor(ActorCreationSpec request, ServerCallContext context) =>
        actors.RegisterAsync(request);

    public override Task<ActorTableEntry> GetActorInfo(GetActorInfoRequest request, ServerCallContext context) =>
        Task.FromResult(actors.Find(request) ?? throw new RpcException(new Status(StatusCode.NotFound,
            request.Name.Length > 0 ? $"No live actor is named '{request.Name}' in namespace '{request.Namespace}'." : "No such actor.")));

    public override async Task<ActorTableEntry> WaitActorUpdate(WaitActorUpdateRequest request, ServerCallContext context) =>
        await actors.WaitUpdateAsync(UniqueId.FromByteString(request.ActorId), request.KnownVersion, context.CancellationToken).ConfigureAwait(false)
        ?? throw new RpcException(new Status(StatusCode.NotFound, "No such actor."));

    public override Task<ActorList> ListActors(Empty request, ServerCallContext context)
    {
        var list = new ActorList();
        list.Actors.AddRange(actors.List());
        return Task.FromResult(list);
    }

    public override Task<NamedActorList> ListNamedActors(ListNamedActorsRequest request, ServerCallContext context)
    {
        var list = new NamedActorList();
        list.Actors.AddRange(actors.ListNamed(request.AllNamespaces ? null : request.Namespace));
        return Task.FromResult(list);
    }

    public override async Task<Empty> UpdateActorHandles(ActorHandleEvent request, ServerCallContext context)
    {
        await actors.OnHandleEventAsync(request).ConfigureAwait(false);
        return s_empty;
    }

    public override async Task<Empty> KillActor(KillActorRequest request, ServerCallContext context)
    {
        await actors.KillAsync(UniqueId.FromByteString(request.ActorId), request.NoRestart).ConfigureAwait(false);
        return s_empty;
    }

    public override Task<CreatePlacementGroupReply> CreatePlacementGroup(PlacementGroupSpec request, ServerCallContext context) =>
        Task.FromResult(new CreatePlacementGroupReply { Error = placementGroups.Create(request) ?? "" });

    public override async Task<Empty> RemovePlacementGroup(PlacementGroupRequest request, ServerCallContext context)
    {
        if (placementGroups.Find(request) is { } entry)
        {
            await placementGroups.RemoveAsync(UniqueId.FromByteString(entry.Spec.PlacementGroupId)).ConfigureAwait(false);
        }
        return s_empty;
    }

    public override Task<PlacementGroupTableEntry> GetPlacementGroup(PlacementGroupRequest request, ServerCallContext context) =>
        Task.FromResult(placementGroups.Find(request) ?? throw new RpcException(new Status(StatusCode.NotFound,
            request.Name.Length > 0 ? $"No placement group is named '{request.Name}' in namespace '{request.Namespace}'." : "No such placement group.")));

    public override async Task<PlacementGroupTableEntry> WaitPlacementGroupUpdate(WaitPlacementGroupRequest request, ServerCallContext context) =>
        await placementGroups.WaitUpdateAsync(UniqueId.FromByteString(request.PlacementGroupId), request.KnownVersion, context.CancellationToken).ConfigureAwait(false)
        ?? throw new RpcException(new Status(StatusCode.NotFound, "No such placement group."));

    public override Task<PlacementGroupList> ListPlacementGroups(Empty request, ServerCallContext context)
    {
        var list = new PlacementGroupList();
        list.Groups.AddRange(placementGroups.List());
        return Task.FromResult(list);
    }

    public override Task<Empty> AddTaskEvents(RawTaskEvents request, ServerCallContext context)
    {
        taskEvents.Add(request);
        return Task.FromResult(s_empty);
    }

    public override Task<JobList> ListJobs(Empty request, ServerCallContext context) => Task.FromResult(tables.ListJobs());

    public override Task<ClusterEventList> ListClusterEvents(Empty request, ServerCallContext context) => Task.FromResult(tables.Events.List());

    public override Task<TaskEventsReply> GetTaskEvents(GetTaskEventsRequest request, ServerCallContext context) =>
        Task.FromResult(taskEvents.Get(request));

    public override async Task<Empty> KvPut(KvEntry request, ServerCallContext context)
    {
        if (request.Ns == PackageCollector.KvNamespace)
        {
            packages.Touch([request.Key]);
        }
        await tables.PutKvAsync(request.Ns, request.Key, request.Value.ToByteArray()).ConfigureAwait(false);
        return s_empty;
    }

    public override Task<KvKeyList> KvMissing(KvKeyList request, ServerCallContext context)
    {
        if (request.Ns == PackageCollector.KvNamespace)
        {
            // Touched before the KV is read: a file reported present is not collected before its job registers.
            packages.Touch(request.Keys);
        }
        var missing = new KvKeyList { Ns = request.Ns };
        missing.Keys.AddRange(request.Keys.Where(k => !tables.Kv.ContainsKey((request.Ns, k))));
        return Task.FromResult(missing);
    }

    public override Task<KvKeyList> KvKeys(KvKey request, ServerCallContext context)
    {
        var keys = new KvKeyList { Ns = request.Ns };
        keys.Keys.AddRange(tables.Kv.Keys.Where(k => k.Ns == request.Ns && k.Key.StartsWith(request.Key, StringComparison.Ordinal)).Select(k => k.Key).Order(StringComparer.Ordinal));
        return Task.FromResult(keys);
    }

    public override Task<Empty> KvDel(KvKey request, ServerCallContext context)
    {
        tables.DeleteKv(request.Ns, request.Key);
        return Task.FromResult(s_empty);
    }

    public override Task<KvEntry> KvGet(KvKey request, ServerCallContext context)
    {
        var found = tables.Kv.TryGetValue((request.Ns, request.Key), out var value);
        return Task.FromResult(new KvEntry
        {
            Ns = request.Ns,
            Key = request.Key,
            Found = found,
            Value = found ? Google.Protobuf.ByteString.CopyFrom(value) : Google.Protobuf.ByteString.Empty,
        });
    }
}
