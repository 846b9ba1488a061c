using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Gcs.Actors;

/// <summary>
/// Shared actors (ActorIsolation.Shared, beyond Ray): many live in one actor-host worker that the GCS leases
/// per job and node. A placement takes the least loaded host of the actor's job on the chosen node — a new one
/// while the node has fewer hosts of the job than CPUs, or when all are full
/// (<see cref="GcsOptions.SharedActorsPerHost"/>) — and runs the constructor there. The GCS watches each host
/// once; a host's death goes to each of its actors (restart in another host by its own policy, or death), a
/// kill goes to one actor, and a host that loses its last actor is given back.
/// </summary>
public sealed partial class GcsActorManager
{
    private readonly Lock _hostsLock = new();
    private readonly List<SharedActorHost> _hosts = [];

    /// <summary>Live shared actor hosts (for tests).</summary>
    internal int SharedHostCount
    {
        get
        {
            lock (_hostsLock)
            {
                return _hosts.Count;
            }
        }
    }

    /// <summary>Places a shared actor in a host on the node and runs its constructor there; false to try placing again.</summary>
    private async Task<bool> CreateSharedOnNodeAsync(ActorRecord record, NodeInfo node)
    {
        if (!tables.Nodes.TryGetValue(UniqueId.FromByteString(node.NodeId), out var current) || !current.Alive)
        {
            return false;
        }
        var host = Reserve(record, node);
        lock (record.Lock)
        {
            // The host's token, shared with its other actors: never disposed for one of them.
            record.OnNode = host.OnNode;
            record.NodeId = node.NodeId;
            record.NodeDeathCause = null;
            record.Host = host;
        }
        var placed = false;
        try
        {
            if (!await host.Ready.Task.ConfigureAwait(false) || !await ChargeResourcesAsync(record, host).ConfigureAwait(false))
            {
                return false;
            }
            var worker = WireChannels.CoreWorker(host.Worker!.Endpoint);
            var reply = await worker.CreateActorAsync(new CreateActorRequest { Spec = record.Spec, NumRestarts = record.Entry.NumRestarts },
                cancellationToken: host.OnNode.Token).ConfigureAwait(false);
            RecordCreationRun(record, reply, host.Worker, host.Pid);
            if (reply.Error is { } error)
            {
                record.Host = null;
                await ReturnLeaseAsync(record, workerDead: false).ConfigureAwait(false);
                MarkDead(record, $"The actor's constructor threw {error.TypeName}: {error.Message}", error);
                return true;
            }
            var killedMeanwhile = false;
            lock (_hostsLock)
            {
                if (host.Retired)
                {
                    // The host died while the constructor ran, after its death was told to its actors: place again.
                    return false;
                }
                // Killed (Ray.Kill, its job's end) while its constructor ran: it must not come alive.
                killedMeanwhile = record.Entry.State == ActorState.Dead;
                if (!killedMeanwhile)
                {
                    host.Actors.Add(UniqueId.FromByteString(record.Spec.ActorId));
                    placed = true;
                }
            }
            if (killedMeanwhile)
            {
                await worker.KillActorAsync(new ActorRequest { ActorId = record.Spec.ActorId }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
                return true;
            }
            // Not over a death: a kill may mark it dead between the check above and here.
            if (!TryPublish(record, e => e.State != ActorState.Dead, e =>
            {
                e.State = ActorState.Alive;
                e.Address = host.Worker;
                e.Pid = host.Pid;
            }))
            {
                lock (_hostsLock)
                {
                    host.Actors.Remove(UniqueId.FromByteString(record.Spec.ActorId));
                }
                await worker.KillActorAsync(new ActorRequest { ActorId = record.Spec.ActorId }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            }
            return true;
        }
        catch (RpcException) when (host.Retired)
        {
            return false;
        }
        finally
        {
            if (!placed && record.Host == host)
            {
                record.Host = null;
                await ReturnLeaseAsync(record, workerDead: false).ConfigureAwait(false);
            }
            Unreserve(host, placed);
        }
    }

    /// <summary>
    /// The actor's own resources are taken on its host's node as a lease attached to the host's worker (no
    /// worker of its own), waiting while they are busy, so the raylet counts each shared actor; false when the
    /// host is gone.
    /// </summary>
    private async Task<bool> ChargeResourcesAsync(ActorRecord record, SharedActorHost host)
    {
        if (!record.Spec.Resources.Any(r => r.Value > 0))
        {
            return true;
        }
        var raylet = new NodeManager.NodeManagerClient(ChannelPool.Get(host.RayletEndpoint));
        var request = new LeaseRequest
        {
            JobId = record.Spec.JobId,
            FunctionName = record.Spec.ClassName,
            DetachedActor = record.Spec.Detached,
            GrantOrReject = true,
            AttachToLease = host.LeaseId,
        };
        request.Resources.Add(record.Spec.Resources);
        var lease = await raylet.RequestWorkerLeaseAsync(request, cancellationToken: host.OnNode.Token).ConfigureAwait(false);
        if (lease.LeaseId.IsEmpty)
        {
            return false;
        }
        record.Lease = (host.RayletEndpoint, lease.LeaseId);
        return true;
    }

    /// <summary>Counts a creation on the host it will go to, starting a new host when the policy says so.</summary>
    private SharedActorHost Reserve(ActorRecord record, NodeInfo node)
    {
        SharedActorHost? host = null;
        var start = false;
        lock (_hostsLock)
        {
            var count = 0;
            foreach (var h in _hosts)
            {
                if (h.Fits(record.Spec.JobId, record.Spec.Detached, node.NodeId))
                {
                    count++;
                    if (h.Load < options.SharedActorsPerHost && (host is null || h.Load < host.Load))
                    {
                        host = h;
                    }
                }
            }
            // One host per CPU before any doubles up (a host's thread pool serves every CPU, but a crash takes fewer actors).
            var cpus = Math.Max(1, (int)node.ResourcesTotal.GetValueOrDefault("CPU"));
            if (host is null || (count < cpus && host.Load > 0))
            {
                host = new SharedActorHost(record.Spec.JobId, record.Spec.Detached, node.NodeId, node.RayletEndpoint);
                _hosts.Add(host);
                start = true;
            }
            host.Reserved++;
        }
        if (start)
        {
            _ = StartHostAsync(host, record.Spec);
        }
        return host;
    }

    private void Unreserve(SharedActorHost host, bool placed)
    {
        bool empty;
        lock (_hostsLock)
        {
            host.Reserved--;
            empty = !placed && IsEmptyLocked(host);
        }
        if (empty)
        {
            _ = GiveBackAsync(host);
        }
    }

    /// <summary>True (and the host retired) when a live host has no actor and no creation on its way. Under the hosts lock.</summary>
    private bool IsEmptyLocked(SharedActorHost host)
    {
        if (host.Retired || host.Load > 0 || !host.Ready.Task.IsCompletedSuccessfully || !host.Ready.Task.Result)
        {
            return false;
        }
        host.Retired = true;
        host.Emptied = true;
        _hosts.Remove(host);
        return true;
    }

    /// <summary>Leases the host's worker (no resources of its own: each actor is counted by the GCS's placement) and watches it.</summary>
    private async Task StartHostAsync(SharedActorHost host, ActorCreationSpec first)
    {
        try
        {
            var raylet = new NodeManager.NodeManagerClient(ChannelPool.Get(host.RayletEndpoint));
            var request = new LeaseRequest
            {
                JobId = host.JobId,
                FunctionName = "shared actor host (" + first.ClassName + ", ...)",
                DetachedActor = host.Detached,
                GrantOrReject = true,
                // The memory monitor prefers workers whose work comes back: a host is restarted when its actors may be.
                Retriable = true,
                // Shared actors run in their job's environment (their creator's): one per host.
                RuntimeEnv = first.RuntimeEnv,
            };
            var lease = await raylet.RequestWorkerLeaseAsync(request, cancellationToken: host.OnNode.Token).ConfigureAwait(false);
            if (lease.Worker is null)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "The raylet refused the host's lease: " + lease.Error));
            }
            host.Worker = lease.Worker;
            host.Pid = lease.WorkerPid;
            host.LeaseId = lease.LeaseId;
            var worker = WireChannels.CoreWorker(lease.Worker.Endpoint);
            var watch = worker.WatchActor(new ActorRequest(), cancellationToken: host.OnNode.Token);
            GcsLog.SharedHostStarted(logger, lease.WorkerPid, UniqueId.FromByteString(host.NodeId).ToString(), UniqueId.FromByteString(host.JobId).ToString());
            host.Ready.TrySetResult(true);
            _ = WatchHostAsync(host, watch);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException)
        {
            lock (_hostsLock)
            {
                host.Retired = true;
                _hosts.Remove(host);
            }
            if (!host.LeaseId.IsEmpty)
            {
                await ReturnHostLeaseAsync(host).ConfigureAwait(false);
            }
            host.Ready.TrySetResult(false);
        }
    }

    /// <summary>The host's watch ended: unless it was given back, each of its actors is restarted elsewhere or dies.</summary>
    private async Task WatchHostAsync(SharedActorHost host, AsyncServerStreamingCall<Empty> watch)
    {
        try
        {
            while (await watch.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
            }
        }
        catch (RpcException)
        {
        }
        finally
        {
            watch.Dispose();
        }
        List<UniqueId> actors;
        bool emptied;
        lock (_hostsLock)
        {
            emptied = host.Emptied;
            host.Retired = true;
            _hosts.Remove(host);
            actors = [.. host.Actors];
            host.Actors.Clear();
        }
        if (_stopping)
        {
            return;
        }
        var address = host.Worker!;
        if (!emptied)
        {
            if (ProbeNode is { } probe)
            {
                // If the whole node went, its death cause is what each actor's record says.
                await probe(UniqueId.FromByteString(host.NodeId)).ConfigureAwait(false);
            }
            var killedForMemory = await WorkerFailureCauseAsync(host.RayletEndpoint, address).ConfigureAwait(false);
            await ReturnHostLeaseAsync(host).ConfigureAwait(false);
            GcsLog.SharedHostDied(logger, host.Pid, actors.Count);
            foreach (var id in actors)
            {
                if (_actors.TryGetValue(id, out var record) && record.Host == host)
                {
                    record.Host = null;
                    // Its resources went with the host's worker (an attached lease ends with it).
                    record.Lease = null;
                    _ = RestartOrBuryAsync(record, killedForMemory);
                }
            }
        }
        // The process is gone for good: its channel goes, and the handles it held (for all its actors) are released.
        WireChannels.Forget(address.Endpoint);
        var holder = UniqueId.FromByteString(address.WorkerId);
        var held = _handles.HeldBy(holder);
        foreach (var orphan in _handles.RemoveHolder(holder))
        {
            _ = ReleaseOutOfScopeAsync(orphan);
        }
        held.ForEach(SaveHandles);
    }

    /// <summary>Kills one shared actor: its host drops it (the others serve on), then it restarts or dies by its policy.</summary>
    private async Task KillSharedAsync(ActorRecord record)
    {
        if (record.Host is not { Worker: { } address } host)
        {
            return;
        }
        var id = UniqueId.FromByteString(record.Spec.ActorId);
        try
        {
            var worker = WireChannels.CoreWorker(address.Endpoint);
            await worker.KillActorAsync(new ActorRequest { ActorId = record.Spec.ActorId }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The host is gone: its watch tells each of its actors.
            return;
        }
        bool mine;
        bool empty;
        lock (_hostsLock)
        {
            // Whoever takes the actor off its host (this kill, or the host's death) decides what comes next.
            mine = host.Actors.Remove(id);
            empty = mine && IsEmptyLocked(host);
        }
        if (!mine)
        {
            return;
        }
        record.Host = null;
        await ReturnLeaseAsync(record, workerDead: false).ConfigureAwait(false);
        if (empty)
        {
            _ = GiveBackAsync(host);
        }
        await RestartOrBuryAsync(record, killedForMemory: null).ConfigureAwait(false);
    }

    /// <summary>A host with no actor left: its watch stops and its worker is stopped (its process held user state).</summary>
    private async Task GiveBackAsync(SharedActorHost host)
    {
        try
        {
            await host.OnNode.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
        await ReturnHostLeaseAsync(host).ConfigureAwait(false);
    }

    /// <summary>The job ended: its non-detached hosts stop, and with them its shared actors (marked for no restart before).</summary>
    private Task EndSharedHostsOf(UniqueId jobId)
    {
        var job = jobId.ToByteString();
        List<SharedActorHost> ending;
        lock (_hostsLock)
        {
            ending = _hosts.Where(h => !h.Detached && h.JobId == job && h.Ready.Task.IsCompletedSuccessfully && h.Ready.Task.Result).ToList();
        }
        return Task.WhenAll(ending.Select(ReturnHostLeaseAsync));
    }

    private async Task ReturnHostLeaseAsync(SharedActorHost host)
    {
        if (host.LeaseId.IsEmpty)
        {
            return;
        }
        if (tables.Nodes.TryGetValue(UniqueId.FromByteString(host.NodeId), out var node) && !node.Alive)
        {
            return;
        }
        // Stopped, never reused: the host ran user code of many actors.
        var request = new ReturnWorkerRequest { LeaseId = host.LeaseId, WorkerDead = true };
        await ReleaseCalls.SendAsync("ReturnWorker of a shared actor host's lease", host.RayletEndpoint,
            deadline => new NodeManager.NodeManagerClient(ChannelPool.Get(host.RayletEndpoint)).ReturnWorkerAsync(request, deadline: deadline).ResponseAsync,
            logger, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>After a GCS restart: the loaded live shared actors are grouped by host again, and each host is watched again.</summary>
    private void ResumeSharedHosts(List<ActorRecord> records)
    {
        foreach (var group in records.Where(r => r.Entry.Address is not null).GroupBy(r => r.Entry.Address.WorkerId))
        {
            var first = group.First();
            var (raylet, leaseId) = first.LoadedHostLease ?? ("", ByteString.Empty);
            var host = new SharedActorHost(first.Spec.JobId, first.Spec.Detached, first.NodeId, raylet)
            {
                Worker = first.Entry.Address,
                Pid = first.Entry.Pid,
                LeaseId = leaseId,
            };
            host.Ready.TrySetResult(true);
            lock (_hostsLock)
            {
                _hosts.Add(host);
                foreach (var record in group)
                {
                    record.Host = host;
                    record.OnNode = host.OnNode;
                    host.Actors.Add(UniqueId.FromByteString(record.Spec.ActorId));
                }
            }
            var worker = WireChannels.CoreWorker(host.Worker.Endpoint);
            _ = WatchHostAsync(host, worker.WatchActor(new ActorRequest(), cancellationToken: host.OnNode.Token));
        }
    }
}
