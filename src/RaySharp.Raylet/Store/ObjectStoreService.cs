using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>The object store's gRPC face: allocation and pins only; the bytes move through shared memory.</summary>
public sealed class ObjectStoreService : Protocol.ObjectStore.ObjectStoreBase
{
    private static readonly Empty s_empty = new();
    private readonly PlasmaStore _store;
    private readonly WorkerPool _pool;
    private readonly ObjectManager _objects;

    internal ObjectStoreService(PlasmaStore store, WorkerPool pool, ObjectManager objects)
    {
        _store = store;
        _pool = pool;
        _objects = objects;
    }

    public override async Task ReadObject(ReadObjectRequest request, IServerStreamWriter<ObjectChunk> responseStream, ServerCallContext context)
    {
        if (request.Offset < 0 || request.Length < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"A read of an object needs an offset and a length ≥ 0, not {request.Offset} and {request.Length}."));
        }
        await _objects.ServeAsync(ObjectId.FromByteString(request.ObjectId),
            request.ReaderNodeId.IsEmpty ? UniqueId.Nil : UniqueId.FromByteString(request.ReaderNodeId), request.Offset, request.Length,
            responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    public override Task<StoreInfo> Connect(Empty request, ServerCallContext context) =>
        Task.FromResult(new StoreInfo { RegionPath = _store.RegionPath, Capacity = _store.Capacity });

    public override async Task<CreateObjectReply> Create(CreateObjectRequest request, ServerCallContext context)
    {
        if (request.Size < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"An object cannot have {request.Size} bytes."));
        }
        try
        {
            var (offset, exists) = await _store.CreateAsync(ObjectId.FromByteString(request.ObjectId), request.Size, request.Format,
                UniqueId.FromByteString(request.OwnerWorkerId), context.CancellationToken, writer: UniqueId.FromByteString(request.ClientId)).ConfigureAwait(false);
            return new CreateObjectReply { Offset = offset, AlreadyExists = exists };
        }
        catch (ObjectStoreFullError ex)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, ex.Message));
        }
    }

    public override Task<Empty> Seal(ObjectIdList request, ServerCallContext context)
    {
        foreach (var id in request.ObjectIds)
        {
            _store.Seal(ObjectId.FromByteString(id));
        }
        return Task.FromResult(s_empty);
    }

    public override async Task<GetObjectsReply> Get(GetObjectsRequest request, ServerCallContext context)
    {
        var client = UniqueId.FromByteString(request.ClientId);
        var reply = new GetObjectsReply();
        try
        {
            foreach (var id in request.ObjectIds)
            {
                var objectId = ObjectId.FromByteString(id);
                if (!request.SourceNodeId.IsEmpty && UniqueId.FromByteString(request.SourceNodeId) != _store.NodeId)
                {
                    // It lives on another node: pull a copy here first (a no-op when one is here already).
                    await _objects.PullAsync(objectId, UniqueId.FromByteString(request.SourceNodeId)).ConfigureAwait(false);
                }
                reply.Objects.Add(await _store.GetAsync(objectId, client, context.CancellationToken).ConfigureAwait(false));
            }
        }
        catch (ObjectLostError ex)
        {
            _store.Release(reply.Objects.Where(o => o.Found).Select(o => ObjectId.FromByteString(o.ObjectId)), client);
            throw new RpcException(new Status(StatusCode.NotFound, ex.Message));
        }
        catch (ObjectStoreFullError ex)
        {
            // Pins taken for the objects before this one go again: the client gets none.
            _store.Release(reply.Objects.Where(o => o.Found).Select(o => ObjectId.FromByteString(o.ObjectId)), client);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "A spilled object could not be restored: " + ex.Message));
        }
        return reply;
    }

    public override Task<Empty> Release(ClientObjects request, ServerCallContext context)
    {
        _store.Release(request.ObjectIds.Select(ObjectId.FromByteString), UniqueId.FromByteString(request.ClientId));
        return Task.FromResult(s_empty);
    }

    public override Task<Empty> Free(ObjectIdList request, ServerCallContext context)
    {
        var ids = request.ObjectIds.Select(ObjectId.FromByteString).ToList();
        _store.Free(ids);
        _objects.FreeCopies(ids);
        return Task.FromResult(s_empty);
    }

    public override Task<StoreStats> GetStats(Empty request, ServerCallContext context)
    {
        var stats = _store.GetStats();
        stats.WorkerEndpoints.Add(_pool.Endpoints());
        stats.PulledBytes = _objects.Transfers.PulledBytes;
        stats.ServedBytes = _objects.Transfers.ServedBytes;
        return Task.FromResult(stats);
    }
}
