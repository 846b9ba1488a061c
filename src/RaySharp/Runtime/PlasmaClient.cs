using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Store;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// A process's connection to its node's object store (Ray's plasma client): it maps the store's
/// region once, asks the raylet for room, writes the bytes itself, and pins objects while it reads
/// them. Sealing, releasing and freeing do not wait for the raylet's answer, but are retried and logged
/// when they fail (<see cref="ReleaseCalls"/>): a lost release leaves a pin that keeps the object in memory.
/// </summary>
internal sealed class PlasmaClient(string rayletEndpoint, CallInvoker raylet, UniqueId clientId, ILogger log, CancellationToken stopping) : IDisposable
{
    private readonly Protocol.ObjectStore.ObjectStoreClient _rpc = new(raylet);
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IDisposable, byte> _views = new();
    private SharedMemoryRegion? _region;
    private PinCache? _pins;

    public UniqueId ClientId { get; } = clientId;

    /// <summary>The first byte of the store's region in this process.</summary>
    public unsafe byte* Base => Region.Base;

    private SharedMemoryRegion Region
    {
        get
        {
            if (_region is { } region)
            {
                return region;
            }
            lock (_lock)
            {
                if (_region is null)
                {
                    var info = _rpc.Connect(new Empty());
                    _pins = new PinCache(info.Capacity / PinCache.StoreShareDivisor, PinCache.IdleObjectsLimit);
                    _region = SharedMemoryRegion.Open(info.RegionPath, info.Capacity);
                }
                return _region;
            }
        }
    }

    /// <summary>Allocates room for an object; null when the store already has it (a retried task made it before).</summary>
    public unsafe byte* Create(ObjectId id, long size, PayloadFormat format, UniqueId owner)
    {
        var region = Region;
        CreateObjectReply reply;
        try
        {
            reply = _rpc.Create(new CreateObjectRequest
            {
                ObjectId = id.ToByteString(),
                Size = size,
                Format = format,
                OwnerWorkerId = owner.ToByteString(),
                ClientId = ClientId.ToByteString(),
            });
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
        {
            throw new ObjectStoreFullException(ex.Status.Detail);
        }
        return reply.AlreadyExists ? null : region.Base + reply.Offset;
    }

    public void Seal(ObjectId id) =>
        ReleaseCalls.Send("Seal of an object", rayletEndpoint,
            deadline => _rpc.SealAsync(new ObjectIdList { ObjectIds = { id.ToByteString() } }, deadline: deadline).ResponseAsync, log, stopping);

    /// <summary>Store pins kept between reads of objects this process owns.</summary>
    internal PinCache Pins
    {
        get
        {
            _ = Region;
            return _pins!;
        }
    }

    /// <summary>
    /// Pins the object for this process and says where it is (restoring it from disk if it was spilled). An object
    /// this process <paramref name="owns"/> keeps its pin after <see cref="Release"/> (<see cref="PinCache"/>), so
    /// reading it again asks the raylet nothing.
    /// </summary>
    public StoredObjectLocation Get(ObjectId id, Google.Protobuf.ByteString sourceNode, bool owns = false)
    {
        if (owns && Pins.TryTake(id) is { } cached)
        {
            return cached;
        }
        try
        {
            return Cached(id, Located(_rpc.Get(Request(id, sourceNode))), owns);
        }
        catch (RpcException ex) when (StoreError(ex) is { } error)
        {
            throw error;
        }
    }

    public async Task<StoredObjectLocation> GetAsync(ObjectId id, Google.Protobuf.ByteString sourceNode, bool owns = false)
    {
        if (owns && Pins.TryTake(id) is { } cached)
        {
            return cached;
        }
        return Cached(id, await PinAsync(id, sourceNode).ConfigureAwait(false), owns);
    }

    /// <summary>
    /// Has this node's raylet pull a copy of an object from <paramref name="sourceNode"/> and gives the pin back at once
    /// (Wait's fetchLocal): the copy stays until the store needs the room or the owner frees the object. Outside the pin
    /// cache, so a ref freed while the pull is under way leaves no pin behind.
    /// </summary>
    public async Task PrefetchAsync(ObjectId id, Google.Protobuf.ByteString sourceNode)
    {
        await PinAsync(id, sourceNode).ConfigureAwait(false);
        SendRelease([id]);
    }

    // The raylet's pin of one object (pulled here first when it lives on another node), outside the pin cache.
    private async Task<StoredObjectLocation> PinAsync(ObjectId id, Google.Protobuf.ByteString sourceNode)
    {
        try
        {
            return Located(await _rpc.GetAsync(Request(id, sourceNode)).ConfigureAwait(false));
        }
        catch (RpcException ex) when (StoreError(ex) is { } error)
        {
            throw error;
        }
    }

    // What the store's answers to a read mean to the reader: full (a spilled object could not come back) or lost.
    private static Exception? StoreError(RpcException ex) => ex.StatusCode switch
    {
        StatusCode.ResourceExhausted => new ObjectStoreFullException(ex.Status.Detail),
        StatusCode.NotFound => new ObjectLostException(ex.Status.Detail),
        _ => null,
    };

    private StoredObjectLocation Cached(ObjectId id, StoredObjectLocation location, bool owns)
    {
        if (owns && !Pins.Add(id, location))
        {
            // Another reader's pin was cached meanwhile and this reader shares it: the raylet's second pin goes back.
            SendRelease([id]);
        }
        return location;
    }

    // sourceNode: where the object's primary copy is; the raylet pulls it from there when it is another node.
    private GetObjectsRequest Request(ObjectId id, Google.Protobuf.ByteString sourceNode) =>
        new() { ObjectIds = { id.ToByteString() }, ClientId = ClientId.ToByteString(), SourceNodeId = sourceNode };

    private StoredObjectLocation Located(GetObjectsReply reply)
    {
        _ = Region;
        var location = reply.Objects[0];
        if (!location.Found)
        {
            throw new ObjectLostException($"Object {ObjectId.FromByteString(location.ObjectId)} is not in this node's object store any more " +
                "(its owner freed it, or the process that owned it died).");
        }
        return location;
    }

    /// <summary>This process is done with an object it pinned with <see cref="Get"/>.</summary>
    public void Release(ObjectId id)
    {
        if (_pins is null || !_pins.Return(id, out var release))
        {
            SendRelease([id]);
        }
        else if (release is not null)
        {
            SendRelease(release);
        }
    }

    /// <summary>This process lets go of an object it owns: a pin kept for it goes back (after its last reader).</summary>
    public void Forget(ObjectId id)
    {
        if (_pins is not null && _pins.Forget(id))
        {
            SendRelease([id]);
        }
    }

    private void SendRelease(List<ObjectId> ids) =>
        ReleaseCalls.Send("Release of a pinned object", rayletEndpoint,
            deadline => _rpc.ReleaseAsync(new ClientObjects { ObjectIds = { ids.Select(i => i.ToByteString()) }, ClientId = ClientId.ToByteString() }, deadline: deadline).ResponseAsync,
            log, stopping);

    /// <summary>The owner lets go of objects: the store deletes them once no reader pins them.</summary>
    public void Free(ObjectId id) =>
        ReleaseCalls.Send("Free of an object", rayletEndpoint,
            deadline => _rpc.FreeAsync(new ObjectIdList { ObjectIds = { id.ToByteString() } }, deadline: deadline).ResponseAsync, log, stopping);

    /// <summary>Frees an object in another node's store (where a task that ran there wrote it); stops trying when that node dies.</summary>
    public void FreeOn(string otherRayletEndpoint, ObjectId id, CancellationToken nodeDied) =>
        ReleaseCalls.Send("Free of an object", otherRayletEndpoint,
            deadline => new Protocol.ObjectStore.ObjectStoreClient(ChannelPool.Get(otherRayletEndpoint)).FreeAsync(new ObjectIdList { ObjectIds = { id.ToByteString() } }, deadline: deadline).ResponseAsync,
            log, stopping, nodeDied);

    public Task<StoreStats> GetStatsAsync() => _rpc.GetStatsAsync(new Empty(), deadline: RpcDeadlines.Control()).ResponseAsync;

    /// <summary>Zero-copy views alive in this process: unusable (rather than reading unmapped memory) once the store is gone.</summary>
    public void TrackView(IDisposable memory) => _views[memory] = 0;

    public void UntrackView(IDisposable memory) => _views.TryRemove(memory, out _);

    public void Dispose()
    {
        foreach (var view in _views.Keys)
        {
            view.Dispose();
        }
        if (_pins?.Clear() is { Count: > 0 } kept)
        {
            // The raylet drops a gone process's pins, but a driver may shut down and start again against the same
            // cluster: give the kept ones back now, in one try (the process is stopping; a lost one goes with the job).
            try
            {
                _rpc.Release(new ClientObjects { ObjectIds = { kept.Select(i => i.ToByteString()) }, ClientId = ClientId.ToByteString() },
                    deadline: RpcDeadlines.Control());
            }
            catch (Exception ex) when (ex is RpcException or ObjectDisposedException or InvalidOperationException)
            {
                // The raylet or the channel to it is gone already: so are the pins.
            }
        }
        lock (_lock)
        {
            _region?.Dispose();
            _region = null;
        }
    }
}
