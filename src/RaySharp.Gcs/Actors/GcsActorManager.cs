using Google.Protobuf;
using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Gcs.Actors;

/// <summary>
/// Places, creates, watches and restarts actors (Ray 2.x GCS actor scheduling). The GCS leases a
/// worker with the actor's resources from a raylet whose node has them, asks that worker to run the
/// constructor, then watches the process; when it dies the actor is restarted while restarts remain.
/// Dead actors stay in the table for inspection up to <see cref="GcsOptions.MaxDeadActors"/>; past it
/// the longest dead are forgotten, from storage too.
/// </summary>
public sealed partial class GcsActorManager(GcsTables tables, GcsOptions options, ILogger<GcsActorManager> logger)
{
    private static readonly TimeSpan s_retryPlacement = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<UniqueId, ActorRecord> _actors = new();
    private readonly ConcurrentDictionary<(string Namespace, string Name), UniqueId> _named = new();
    private readonly ActorHandleCounts _handles = new();
    private readonly DeadEntries<UniqueId> _dead = new(options.MaxDeadActors);
    private volatile bool _stopping;

    /// <summary>The handle counts of live actors (for tests).</summary>
    internal ActorHandleCounts Handles => _handles;

    /// <summary>Actors in the table, live and dead (for tests).</summary>
    internal int Count => _actors.Count;

    /// <summary>Named actors in the name table (for tests).</summary>
    internal int NamedCount => _named.Count;

    /// <summary>
    /// Registers an actor, durably before the caller hears of it. The reply's error says why not (its name
    /// is taken); with get_if_exists a live actor of that name is the answer instead (<c>existing</c>).
    /// </summary>
    public async Task<RegisterActorReply> RegisterAsync(ActorCreationSpec spec)
    {
        var error = Register(spec, out var record, out var existing);
        if (record is not null)
        {
            await record.Saved.ConfigureAwait(false);
            _ = ScheduleAsync(record);
        }
        if (existing is not null)
        {
            // The creator that won may still be waiting for its write: nobody hears of an actor before it is durable.
            await existing.Saved.ConfigureAwait(false);
            return new RegisterActorReply { Existing = existing.Entry };
        }
        return new RegisterActorReply { Error = error ?? "" };
    }

    private string? Register(ActorCreationSpec spec, out ActorRecord? registered, out ActorRecord? existing)
    {
        // One lock for every registration: two creators of one name (get_if_exists or not) are decided here,
        // so exactly one actor is created and the other creator learns of it.
        lock (_registering)
        {
            return RegisterLocked(spec, out registered, out existing);
        }
    }

    private readonly Lock _registering = new();

    private string? RegisterLocked(ActorCreationSpec spec, out ActorRecord? registered, out ActorRecord? existing)
    {
        registered = null;
        existing = null;
        var id = UniqueId.FromByteString(spec.ActorId);
        if (_actors.ContainsKey(id))
        {
            // A retried registration (its first reply was lost, e.g. to a GCS restart): already done.
            return null;
        }
        var entry = new ActorTableEntry
        {
            ActorId = spec.ActorId,
            State = ActorState.Pending,
            ClassName = spec.ClassName,
            Name = spec.Name,
            Namespace = spec.Namespace,
            JobId = spec.JobId,
            Detached = spec.Detached,
            MaxRestarts = spec.MaxRestarts,
            MaxTaskRetries = spec.MaxTaskRetries,
            Shared = spec.Shared,
        };
        var record = new ActorRecord(spec, entry);
        if (spec.Name.Length > 0)
        {
            var key = (spec.Namespace, spec.Name);
            while (true)
            {
                if (_named.TryAdd(key, id))
                {
                    break;
                }
                if (_named.TryGetValue(key, out var holder) && _actors.TryGetValue(holder, out var live) && live.Entry.State != ActorState.Dead)
                {
                    if (spec.GetIfExists)
                    {
                        existing = live;
                        return null;
                    }
                    return $"An actor named '{spec.Name}' already exists in namespace '{spec.Namespace}'.";
                }
                _named.TryRemove(key, out _);
            }
        }
        // Queued under the lock, so a creator that finds this record by name can wait for the same write.
        record.Saved = SaveAsync(record);
        _actors[id] = record;
        registered = record;
        return null;
    }

    private Task SaveAsync(ActorRecord record)
    {
        if (!tables.Writes.Persistent)
        {
            return Task.CompletedTask;
        }
        // Snapshot and queue under the record's lock: two changes racing are written in the order they were made.
        lock (record.Lock)
        {
            var stored = new StoredActor { Spec = record.Spec, Entry = record.Entry, NodeId = record.NodeId };
            if (record.Lease is { } lease)
            {
                stored.LeaseRayletEndpoint = lease.RayletEndpoint;
                stored.LeaseId = lease.LeaseId;
            }
            if (record.Host is { LeaseId.IsEmpty: false } host)
            {
                stored.HostLeaseRayletEndpoint = host.RayletEndpoint;
                stored.HostLeaseId = host.LeaseId;
            }
            return tables.Writes.Put(Storage.GcsTableNames.Actors, UniqueId.FromByteString(record.Spec.ActorId).ToString(), stored.ToByteArray());
        }
    }

    /// <summary>
    /// A restarted GCS takes its actors back from storage: live ones are watched again (one whose worker
    /// died meanwhile is restarted or buried at once), pending and restarting ones are placed again.
    /// </summary>
    internal async Task<int> LoadAsync(Storage.IGcsStorage storage, CancellationToken cancellationToken)
    {
        if (!tables.Writes.Persistent)
        {
            return 0;
        }
        var all = await storage.GetAllAsync(Storage.GcsTableNames.Actors, cancellationToken).ConfigureAwait(false);
        var dead = new List<(long EndTime, UniqueId Id)>();
        foreach (var bytes in all.Values)
        {
            var stored = StoredActor.Parser.ParseFrom(bytes);
            var record = new ActorRecord(stored.Spec, stored.Entry) { NodeId = stored.NodeId };
            if (stored.LeaseId.Length > 0)
            {
                record.Lease = (stored.LeaseRayletEndpoint, stored.LeaseId);
            }
            if (stored.HostLeaseId.Length > 0)
            {
                record.LoadedHostLease = (stored.HostLeaseRayletEndpoint, stored.HostLeaseId);
            }
            var id = UniqueId.FromByteString(stored.Spec.ActorId);
            _actors[id] = record;
            if (stored.Entry.State == ActorState.Dead)
            {
                dead.Add((stored.Entry.EndTimeMs, id));
            }
            else if (stored.Spec.Name.Length > 0)
            {
                _named[(stored.Spec.Namespace, stored.Spec.Name)] = id;
            }
        }
        // In the order they died, so a GCS restarted with a smaller bound forgets the longest dead.
        foreach (var (_, id) in dead.OrderBy(d => d.EndTime))
        {
            foreach (var old in _dead.Add(id))
            {
                Forget(old);
            }
        }
        // Who held handles to the live ones: without it, an actor whose last handle goes after the restart never ends.
        foreach (var (key, bytes) in await storage.GetAllAsync(Storage.GcsTableNames.ActorHandles, cancellationToken).ConfigureAwait(false))
        {
            if (UniqueId.TryParse(key, out var id) && _actors.TryGetValue(id, out var record) && record.Entry.State != ActorState.Dead)
            {
                _handles.Import(id, StoredActorHandles.Parser.ParseFrom(bytes));
            }
            else
            {
                _ = tables.Writes.Delete(Storage.GcsTableNames.ActorHandles, key);
            }
        }
        return _actors.Count;
    }

    /// <summary>Writes (or deletes) what is counted for an actor's handles, in order with its other writes.</summary>
    private void SaveHandles(UniqueId actor)
    {
        if (!tables.Writes.Persistent)
        {
            return;
        }
        _ = _handles.Export(actor) is { } stored
            ? tables.Writes.Put(Storage.GcsTableNames.ActorHandles, actor.ToString(), stored.ToByteArray())
            : tables.Writes.Delete(Storage.GcsTableNames.ActorHandles, actor.ToString());
    }

    /// <summary>Resumes what the loaded actors were doing (after the GCS serves again).</summary>
    internal void ResumeLoaded()
    {
        var shared = new List<ActorRecord>();
        foreach (var record in _actors.Values)
        {
            switch (record.Entry.State)
            {
                case ActorState.Alive when record.Spec.Shared:
                    shared.Add(record);
                    break;
                case ActorState.Alive when record.Entry.Address is { } address:
                    var onNode = new CancellationTokenSource();
                    record.OnNode = onNode;
                    var worker = WireChannels.CoreWorker(address.Endpoint);
                    _ = WatchAsync(record, worker.WatchActor(new ActorRequest(), cancellationToken: onNode.Token));
                    break;
                case ActorState.Pending or ActorState.Restarting:
                    // A creation cut short by the restart: its worker is given back (stopped) before placing again.
                    _ = ReturnLeaseAsync(record, workerDead: true).ContinueWith(_ => ScheduleAsync(record), TaskScheduler.Default).Unwrap();
                    break;
            }
        }
        ResumeSharedHosts(shared);
    }

    public ActorTableEntry? Find(GetActorInfoRequest request)
    {
        if (request.ActorId.Length > 0)
        {
            return _actors.TryGetValue(UniqueId.FromByteString(request.ActorId), out var r) ? r.Entry : null;
        }
        return _named.TryGetValue((request.Namespace, request.Name), out var id) && _actors.TryGetValue(id, out var named) && named.Entry.State != ActorState.Dead
            ? named.Entry
            : null;
    }

    public async Task<ActorTableEntry?> WaitUpdateAsync(UniqueId id, long knownVersion, CancellationToken cancellationToken)
    {
        if (!_actors.TryGetValue(id, out var record))
        {
            return null;
        }
        while (true)
        {
            Task changed;
            lock (record.Lock)
            {
                // A dead actor never changes again: waiting for a newer version would wait forever.
                if (record.Entry.Version > knownVersion || record.Entry.State == ActorState.Dead)
                {
                    return record.Entry;
                }
                changed = record.Changed;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public IEnumerable<ActorTableEntry> List() => _actors.Values.Select(r => r.Entry);

    /// <summary>Live named actors, in <paramref name="namespace"/> or (null) in every namespace (Ray's list_named_actors).</summary>
    public IEnumerable<NamedActor> ListNamed(string? @namespace)
    {
        foreach (var ((ns, name), id) in _named)
        {
            if ((@namespace is null || ns == @namespace) && _actors.TryGetValue(id, out var record) && record.Entry.State != ActorState.Dead)
            {
                yield return new NamedActor { Name = name, Namespace = ns };
            }
        }
    }

    public async Task KillAsync(UniqueId id, bool noRestart, string? pendingCause = null)
    {
        if (!_actors.TryGetValue(id, out var record))
        {
            return;
        }
        if (noRestart)
        {
            // Before NoRestart: a creation that sees the flag names the kill's own cause.
            record.KillCause ??= pendingCause;
            record.NoRestart = true;
        }
        var entry = record.Entry;
        if (entry.State == ActorState.Alive && record.Spec.Shared)
        {
            await KillSharedAsync(record).ConfigureAwait(false);
        }
        else if (entry.State == ActorState.Alive && entry.Address is { } address)
        {
            try
            {
                var worker = WireChannels.CoreWorker(address.Endpoint);
                await worker.KillActorAsync(new ActorRequest(), deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            }
            catch (RpcException)
            {
                // Already gone: the watch reports the death.
            }
        }
        else if (noRestart && entry.State is ActorState.Pending or ActorState.Restarting)
        {
            if (!TryMarkDead(record, KilledBeforeStart(record), null, e => e.State is ActorState.Pending or ActorState.Restarting))
            {
                // Its creation finished meanwhile: killed as the live actor it now is.
                await KillAsync(id, noRestart, pendingCause).ConfigureAwait(false);
                return;
            }
            if (!record.Spec.Shared)
            {
                // Its lease request or constructor stops waiting (a shared host's token is its other actors' too): the
                // placement loop returns the lease, killing the worker, and places it no more.
                CancellationTokenSource? creation;
                lock (record.Lock)
                {
                    creation = record.OnNode;
                }
                try
                {
                    creation?.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The placement ended meanwhile.
                }
            }
        }
    }

    /// <summary>A placement group was removed: its actors die for good, pending ones too (Ray kills them).</summary>
    public Task KillPlacementGroupActorsAsync(ByteString placementGroupId) =>
        Task.WhenAll(_actors.Values
            .Where(r => r.Spec.PlacementGroupId == placementGroupId && r.Entry.State != ActorState.Dead)
            .Select(r => KillAsync(UniqueId.FromByteString(r.Spec.ActorId), noRestart: true,
                $"The actor's placement group {UniqueId.FromByteString(placementGroupId)} was removed before the actor started.")));

    /// <summary>A job ended: its actors that are not detached go with it (Ray's actor lifetime).</summary>
    public Task OnJobFinishedAsync(UniqueId jobId)
    {
        var ending = _actors.Values
            .Where(r => !r.Spec.Detached && UniqueId.FromByteString(r.Spec.JobId) == jobId && r.Entry.State != ActorState.Dead)
            .ToList();
        foreach (var r in ending)
        {
            r.JobEnded = true;
            r.NoRestart = true;
        }
        // Shared actors that live go with their hosts, one process stop each, not one kill call per actor.
        var hostsEnded = EndSharedHostsOf(jobId);
        return Task.WhenAll(ending
            .Where(r => !(r.Spec.Shared && r.Entry.State == ActorState.Alive))
            .Select(r => KillAsync(UniqueId.FromByteString(r.Spec.ActorId), noRestart: true,
                "The job that created it ended (its driver exited) before it started, and the actor is not detached."))
            .Append(hostsEnded));
    }

    public void Stop() => _stopping = true;

    /// <summary>Checks whether a node is gone (its raylet's port refuses), marking it dead if so.</summary>
    internal Func<UniqueId, Task>? ProbeNode { get; set; }

    /// <summary>Listens for node deaths: actors placed on a dead node are restarted elsewhere (or die) at once.</summary>
    public void WatchNodes() => tables.Watchers.Changed += node =>
    {
        if (node.Alive)
        {
            return;
        }
        foreach (var record in _actors.Values)
        {
            CancellationTokenSource? onNode;
            lock (record.Lock)
            {
                if (record.NodeId != node.NodeId || record.OnNode is null)
                {
                    continue;
                }
                record.NodeDeathCause = node.DeathCause;
                onNode = record.OnNode;
            }
            try
            {
                onNode.Cancel();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or AggregateException)
            {
                // A newer placement replaced it, or a waiter's callback failed: the others were told.
            }
        }
    };

    /// <summary>
    /// A handle count changed. An actor with no handle left anywhere is killed for good — unless it is
    /// detached or named, since those are meant to be found again later.
    /// </summary>
    public async Task OnHandleEventAsync(ActorHandleEvent e)
    {
        var actor = UniqueId.FromByteString(e.ActorId);
        if (IsDead(actor))
        {
            // Its counts were forgotten at its death; a late release (or a handle deserialized now) changes nothing.
            return;
        }
        var outOfScope = _handles.Apply(e);
        if (IsDead(actor))
        {
            // It died while this event was applied, after its counts were forgotten: forget what the event added.
            _handles.Forget(actor);
            SaveHandles(actor);
            return;
        }
        SaveHandles(actor);
        if (outOfScope)
        {
            await ReleaseOutOfScopeAsync(actor).ConfigureAwait(false);
        }
    }

    private bool IsDead(UniqueId actor) => _actors.TryGetValue(actor, out var record) && record.Entry.State == ActorState.Dead;

    private async Task ReleaseOutOfScopeAsync(UniqueId actorId)
    {
        if (!_actors.TryGetValue(actorId, out var record))
        {
            return;
        }
        if (record.Spec.Detached || record.Spec.Name.Length > 0 || record.Entry.State == ActorState.Dead)
        {
            return;
        }
        record.OutOfScope = true;
        await KillAsync(actorId, noRestart: true, "All handles to the actor were released (disposed or collected) before it started.").ConfigureAwait(false);
    }

    private async Task ScheduleAsync(ActorRecord record)
    {
        while (!_stopping && !record.NoRestart)
        {
            if (ActorPlacement.Refusal(record.Spec, tables.Nodes.Values) is { } refusal)
            {
                TryMarkDead(record, refusal, null, null, unschedulable: true);
                return;
            }
            var node = ActorPlacement.Choose(record.Spec, tables.Nodes.Values, n => _actors.Values.Count(a => a.NodeId == n && a.Entry.State != ActorState.Dead));
            if (node is null)
            {
                // No node has the resources now: one may join later, so the actor stays pending.
                await Task.Delay(s_retryPlacement).ConfigureAwait(false);
                continue;
            }
            try
            {
                if (await (record.Spec.Shared ? CreateSharedOnNodeAsync(record, node) : CreateOnNodeAsync(record, node)).ConfigureAwait(false))
                {
                    return;
                }
                await Task.Delay(s_retryPlacement).ConfigureAwait(false);
            }
            catch (RpcException)
            {
                if (_stopping)
                {
                    return;
                }
                await ReturnLeaseAsync(record, workerDead: true).ConfigureAwait(false);
                await Task.Delay(s_retryPlacement).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Leases a worker on the node and runs the constructor there; false to try placing again.</summary>
    private async Task<bool> CreateOnNodeAsync(ActorRecord record, NodeInfo node)
    {
        // The lease and the constructor may wait as long as they must (resources busy, a slow constructor),
        // but never on a dead node: its death cancels both.
        var onNode = new CancellationTokenSource();
        lock (record.Lock)
        {
            record.OnNode?.Dispose();
            record.OnNode = onNode;
            record.NodeId = node.NodeId;
            record.NodeDeathCause = null;
        }
        if (!tables.Nodes.TryGetValue(UniqueId.FromByteString(node.NodeId), out var current) || !current.Alive)
        {
            return false;
        }
        var raylet = new NodeManager.NodeManagerClient(ChannelPool.Get(node.RayletEndpoint));
        // The GCS chose this node: the raylet queues the request rather than spilling it elsewhere.
        var request = new LeaseRequest
        {
            JobId = record.Spec.JobId,
            FunctionName = record.Spec.ClassName,
            DetachedActor = record.Spec.Detached,
            GrantOrReject = true,
            // An actor with restarts left comes back when the memory monitor kills it: such workers go first.
            Retriable = record.Entry.MaxRestarts < 0 || record.Entry.NumRestarts < record.Entry.MaxRestarts,
        };
        request.Resources.Add(record.Spec.Resources);
        request.RuntimeEnv = record.Spec.RuntimeEnv;
        var lease = await raylet.RequestWorkerLeaseAsync(request, cancellationToken: onNode.Token).ConfigureAwait(false);
        if (lease.RuntimeEnvSetupFailed)
        {
            // Placing it elsewhere would fail the same way: the actor dies and its calls say why (Ray's RuntimeEnvSetupError).
            var setup = new ErrorInfo
            {
                Kind = ErrorKind.RuntimeEnvSetup,
                FunctionName = record.Spec.ClassName,
                Message = $"The runtime environment of actor {record.Spec.ClassName} could not be set up: {lease.Error}",
            };
            MarkDead(record, setup.Message, setup);
            return true;
        }
        if (lease.Worker is null)
        {
            // Refused (e.g. the node can no longer fit it): place it again.
            return false;
        }
        record.Lease = (node.RayletEndpoint, lease.LeaseId);
        // Recorded before the constructor runs: a GCS restarted meanwhile returns this lease instead of leaking it.
        await SaveAsync(record).ConfigureAwait(false);
        var worker = WireChannels.CoreWorker(lease.Worker.Endpoint);
        var create = new CreateActorRequest { Spec = record.Spec, NumRestarts = record.Entry.NumRestarts };
        create.GpuIds.AddRange(lease.GpuIds);
        CreateActorReply reply;
        try
        {
            reply = await worker.CreateActorAsync(create, cancellationToken: onNode.Token).ConfigureAwait(false);
        }
        catch (RpcException) when (!onNode.IsCancellationRequested && !_stopping)
        {
            // The worker died while the constructor ran (a crash, a kill, the memory monitor): as in Ray, a restart of
            // the actor counted against its max_restarts, not a placement tried again for ever.
            await ReturnLeaseAsync(record, workerDead: true).ConfigureAwait(false);
            WireChannels.Forget(lease.Worker.Endpoint);
            return CreationWorkerDied(record, lease.WorkerPid);
        }
        RecordCreationRun(record, reply, lease.Worker, lease.WorkerPid);
        if (reply.Error is { } error)
        {
            await ReturnLeaseAsync(record, workerDead: true).ConfigureAwait(false);
            MarkDead(record, $"The actor's constructor threw {error.TypeName}: {error.Message}", error);
            return true;
        }
        // The watch opens before the actor is announced, so a death right after creation is not missed.
        var watch = worker.WatchActor(new ActorRequest(), cancellationToken: onNode.Token);
        // Not over a death: a kill (Ray.Kill, its handles gone, its group removed) that landed while the constructor ran
        // marked it dead, and its worker goes instead of serving calls.
        if (record.NoRestart || !TryPublish(record, e => e.State != ActorState.Dead, e =>
        {
            e.State = ActorState.Alive;
            e.Address = lease.Worker;
            e.Pid = lease.WorkerPid;
        }))
        {
            watch.Dispose();
            await ReturnLeaseAsync(record, workerDead: true).ConfigureAwait(false);
            WireChannels.Forget(lease.Worker.Endpoint);
            TryMarkDead(record, KilledBeforeStart(record), null, e => e.State != ActorState.Dead);
            return true;
        }
        _ = WatchAsync(record, watch);
        return true;
    }

    /// <summary>Why an actor killed before it started is dead: the kill's own cause (its handles gone, its group removed), else Ray.Kill.</summary>
    private static string KilledBeforeStart(ActorRecord record) => record.KillCause ?? "The actor was killed with Ray.Kill before it started.";

    /// <summary>
    /// The worker running the actor's constructor died: a restart while its policy allows (placed again, from the start),
    /// else dead. True when the actor is done with (dead).
    /// </summary>
    private bool CreationWorkerDied(ActorRecord record, int pid)
    {
        var entry = record.Entry;
        if (record.NoRestart || entry.State == ActorState.Dead)
        {
            TryMarkDead(record, KilledBeforeStart(record), null, e => e.State != ActorState.Dead);
            return true;
        }
        if (entry.MaxRestarts >= 0 && entry.NumRestarts >= entry.MaxRestarts)
        {
            // Conditional: a kill that marked it dead meanwhile keeps its own cause (and the dead actor is recorded once).
            TryMarkDead(record, $"The actor's worker process (pid={pid}) died while its constructor ran, and its restarts ({entry.MaxRestarts}) are used up.",
                null, e => e.State != ActorState.Dead);
            return true;
        }
        // Not over a death: a kill may land between the check above and here (and then the actor stays dead).
        if (!TryPublish(record, e => e.State != ActorState.Dead && !record.NoRestart, e =>
        {
            e.State = ActorState.Restarting;
            e.NumRestarts++;
            e.Address = null;
        }))
        {
            TryMarkDead(record, KilledBeforeStart(record), null, e => e.State != ActorState.Dead);
            return true;
        }
        tables.Events.ActorRestarted(entry, $"its worker process (pid={pid}) died while its constructor ran.");
        return false;
    }

    private async Task WatchAsync(ActorRecord record, AsyncServerStreamingCall<Empty> watch)
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
        if (_stopping)
        {
            return;
        }
        if (record.NodeDeathCause is null && record.NodeId.Length > 0 && ProbeNode is { } probe)
        {
            // The worker's watch broke: if its whole node went (the raylet is killed and its workers follow
            // it), say so — the lifeline may not have told yet.
            await probe(UniqueId.FromByteString(record.NodeId)).ConfigureAwait(false);
        }
        var killedForMemory = record.NodeDeathCause is null ? await WorkerFailureCauseAsync(record).ConfigureAwait(false) : null;
        await ReturnLeaseAsync(record, workerDead: true).ConfigureAwait(false);
        var entry = record.Entry;
        // The dead process held handles to other actors: they are released with it (Ray: a dead borrower lets go).
        if (entry.Address is { } address)
        {
            // Its worker is gone for good (a restart gets a new one): the channel to it goes too, or the GCS
            // keeps one channel (and its timers) per actor it ever watched.
            WireChannels.Forget(address.Endpoint);
            var holder = UniqueId.FromByteString(address.WorkerId);
            var held = _handles.HeldBy(holder);
            foreach (var orphan in _handles.RemoveHolder(holder))
            {
                _ = ReleaseOutOfScopeAsync(orphan);
            }
            held.ForEach(SaveHandles);
        }
        await RestartOrBuryAsync(record, killedForMemory).ConfigureAwait(false);
    }

    /// <summary>The actor's worker (or shared host) is gone: the actor is restarted while its policy allows, else it is dead.</summary>
    private async Task RestartOrBuryAsync(ActorRecord record, string? killedForMemory)
    {
        var entry = record.Entry;
        var process = entry.Shared ? "shared actor host process" : "worker process";
        var restartsLeft = entry.MaxRestarts < 0 || entry.NumRestarts < entry.MaxRestarts;
        if (record.NoRestart || !restartsLeft)
        {
            MarkDead(record, record.OutOfScope
                ? "All handles to the actor were released (disposed or collected), so it went out of scope."
                : record.JobEnded
                ? "The job that created it ended (its driver exited), and the actor is not detached."
                : record.NoRestart
                ? "The actor was killed (Ray.Kill) or exited (Ray.ExitActor)."
                : record.NodeDeathCause is { } nodeCause
                ? $"The actor's node {UniqueId.FromByteString(record.NodeId)} died ({nodeCause}) and its restarts ({entry.MaxRestarts}) are used up."
                : killedForMemory is { } oom
                ? $"The actor's {process} (pid={entry.Pid}) was killed by its node's memory monitor and its restarts ({entry.MaxRestarts}) are used up. {oom}"
                : $"The actor's {process} (pid={entry.Pid}) died and its restarts ({entry.MaxRestarts}) are used up.");
            return;
        }
        // Not over a death: a kill may land between the check above and here (and then the actor stays dead).
        if (!TryPublish(record, e => e.State != ActorState.Dead && !record.NoRestart, e =>
        {
            e.State = ActorState.Restarting;
            e.NumRestarts++;
            e.Address = null;
        }))
        {
            TryMarkDead(record, KilledBeforeStart(record), null, e => e.State != ActorState.Dead);
            return;
        }
        tables.Events.ActorRestarted(entry, record.NodeDeathCause is { } died
            ? $"its node {UniqueId.FromByteString(record.NodeId)} died ({died})."
            : killedForMemory is not null
            ? $"its {process} (pid={entry.Pid}) was killed by its node's memory monitor."
            : $"its {process} (pid={entry.Pid}) died.");
        await ScheduleAsync(record).ConfigureAwait(false);
    }

    private void Publish(ActorRecord record, Action<ActorTableEntry> change) => TryPublish(record, null, change);

    /// <summary>Publishes when <paramref name="when"/> holds for the current entry (see <see cref="ActorRecord.TryUpdate"/>); false when refused.</summary>
    private bool TryPublish(ActorRecord record, Func<ActorTableEntry, bool>? when, Action<ActorTableEntry> change)
    {
        if (record.TryUpdate(when, change) is not { } entry)
        {
            return false;
        }
        _ = SaveAsync(record);
        GcsLog.ActorState(logger, UniqueId.FromByteString(entry.ActorId).ToString(), entry.ClassName, entry.State.ToString().ToUpperInvariant(),
            entry.DeathCause.Length > 0 ? ": " + entry.DeathCause : entry.Pid > 0 ? $" (pid {entry.Pid})" : "");
        return true;
    }

    /// <summary>Why the raylet killed the actor's worker (its memory monitor), asked before the lease is returned; null when it did not.</summary>
    private static Task<string?> WorkerFailureCauseAsync(ActorRecord record) =>
        record.Lease is { } lease && record.Entry.Address is { } address ? WorkerFailureCauseAsync(lease.RayletEndpoint, address) : Task.FromResult<string?>(null);

    private static async Task<string?> WorkerFailureCauseAsync(string rayletEndpoint, Address address)
    {
        try
        {
            var raylet = new NodeManager.NodeManagerClient(ChannelPool.Get(rayletEndpoint));
            var reply = await raylet.GetWorkerFailureCauseAsync(new WorkerFailureCauseRequest { WorkerId = address.WorkerId },
                deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            return reply.Known ? reply.Message : null;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    private async Task ReturnLeaseAsync(ActorRecord record, bool workerDead)
    {
        if (record.Lease is not { } lease)
        {
            return;
        }
        record.Lease = null;
        if (record.NodeId.Length > 0 && tables.Nodes.TryGetValue(UniqueId.FromByteString(record.NodeId), out var node) && !node.Alive)
        {
            // A dead node's leases went with it.
            return;
        }
        // A lost return keeps the actor's resources taken on that node: retried, and logged when given up.
        var request = new ReturnWorkerRequest { LeaseId = lease.LeaseId, WorkerDead = workerDead };
        await ReleaseCalls.SendAsync("ReturnWorker of an actor's lease", lease.RayletEndpoint,
            deadline => new NodeManager.NodeManagerClient(ChannelPool.Get(lease.RayletEndpoint)).ReturnWorkerAsync(request, deadline: deadline).ResponseAsync,
            logger, CancellationToken.None).ConfigureAwait(false);
    }

    private void MarkDead(ActorRecord record, string cause, ErrorInfo? creationError = null) => TryMarkDead(record, cause, creationError, null);

    /// <summary>Marks the actor dead when <paramref name="when"/> holds for its entry (null: always); false when refused.</summary>
    private bool TryMarkDead(ActorRecord record, string cause, ErrorInfo? creationError, Func<ActorTableEntry, bool>? when, bool unschedulable = false)
    {
        if (!TryPublish(record, when, e =>
        {
            e.State = ActorState.Dead;
            e.DeathCause = cause;
            e.Unschedulable = unschedulable;
            e.Address = null;
            e.EndTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (creationError is not null)
            {
                e.CreationError = creationError;
            }
        }))
        {
            return false;
        }
        var id = UniqueId.FromByteString(record.Spec.ActorId);
        if (record.Spec.Name.Length > 0)
        {
            _named.TryRemove(new KeyValuePair<(string, string), UniqueId>((record.Spec.Namespace, record.Spec.Name), id));
        }
        // Dead for good: nothing counts handles to it any more, and the longest dead beyond the bound go.
        _handles.Forget(id);
        SaveHandles(id);
        foreach (var old in _dead.Add(id))
        {
            Forget(old);
        }
        var job = UniqueId.FromByteString(record.Spec.JobId);
        if (record.Spec.Detached && tables.IsJobFinished(job) && !HasLiveDetached(job))
        {
            // The last detached actor of a job that ended: nothing needs the job's record (or code) any more.
            tables.RemoveJob(job);
        }
        return true;
    }

    /// <summary>True while a detached actor the job created is not dead (it may restart and need the job's code).</summary>
    public bool HasLiveDetached(UniqueId job) =>
        _actors.Values.Any(r => r.Spec.Detached && r.Entry.State != ActorState.Dead && UniqueId.FromByteString(r.Spec.JobId) == job);

    /// <summary>
    /// Drops a dead actor from the table and from storage (after its last write, which the queue keeps in
    /// order). A caller that asks about it later gets NotFound, which callers treat as dead.
    /// </summary>
    private void Forget(UniqueId id)
    {
        _actors.TryRemove(id, out _);
        _handles.Forget(id);
        _ = tables.Writes.Delete(Storage.GcsTableNames.Actors, id.ToString());
        _ = tables.Writes.Delete(Storage.GcsTableNames.ActorHandles, id.ToString());
    }
}
