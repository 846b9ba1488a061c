using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>
/// Moves objects between nodes (Ray's object manager): a reader's raylet pulls an object from the
/// node that holds it, in 64 KiB chunks asked for ~8 MiB at a time, into its own store as a secondary copy. Concurrent requests
/// for one object share one pull. The node that serves a copy remembers who took it, so that freeing
/// the primary frees the copies too (as Ray's owner frees every location): a copy is otherwise only
/// evicted when its store needs the room, and a long run fills every store with copies nobody reads.
/// </summary>
internal sealed class ObjectManager(PlasmaStore store, ClusterResourceView view, ILogger<ObjectManager> logger)
{
    private readonly CopyHolders _copies = new();

    /// <summary>
    /// Ray's object_manager_default_chunk_size, smaller than Ray's 5 MiB: gRPC reads every message into a
    /// fresh array, and an array over 85,000 bytes lives on the large object heap, which only a full
    /// collection frees (a soak's raylets grew by hundreds of MiB of them). A 64 KiB chunk's array dies
    /// young and cheaply; HTTP/2 cuts the stream into 16 KiB frames either way. 64 bytes short of 64 KiB so that a
    /// chunk's whole message fits the first 64 KiB array a wire frame's reader allocates, instead of growing it by a copy.
    /// </summary>
    public const int ChunkSize = (64 << 10) - 64;

    /// <summary>
    /// How many bytes one <c>ReadObject</c> of a pull asks for. The wire protocol has no flow control of its own (HTTP/2
    /// bounded a stream by its window): asking a window at a time bounds the chunks that can wait in this raylet's memory,
    /// whatever the sender's speed, at one round trip per window (~0.1 ms against ~7 ms of transfer on loopback).
    /// A whole number of chunks (~8 MiB), so no window ends in a short one.
    /// </summary>
    public const long PullWindow = 128L * ChunkSize;

    private readonly ConcurrentDictionary<ObjectId, Lazy<Task>> _pulls = new();

    public Task PullAsync(ObjectId id, UniqueId sourceNode)
    {
        var pull = _pulls.GetOrAdd(id, key => new Lazy<Task>(() => PullCoreAsync(key, sourceNode)));
        pull.Value.ContinueWith(_ => _pulls.TryRemove(new KeyValuePair<ObjectId, Lazy<Task>>(id, pull)), TaskScheduler.Default);
        return pull.Value;
    }

    private async Task PullCoreAsync(ObjectId id, UniqueId sourceNode)
    {
        if (store.Contains(id))
        {
            return;
        }
        var node = view.Find(sourceNode)
            ?? throw new ObjectLostError($"Object {id} lives on node {sourceNode}, which is dead or unknown: the object is lost.");
        try
        {
            await PullFromAsync(id, sourceNode, node).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw new ObjectLostError($"Object {id} could not be pulled from node {sourceNode} ({node.RayletEndpoint}): {ex.Status.StatusCode} {ex.Status.Detail}", ex);
        }
    }

    /// <summary>
    /// The transport a pull from <paramref name="node"/> takes: its raylet's RaySharp wire server when it names one, else
    /// gRPC. HTTP/2 cuts a stream into 16 KiB frames, each handled on both sides, and lends each message a pooled buffer
    /// that must be copied out; the wire protocol sends a chunk as one frame into an array the chunk keeps. A 1 GiB pull
    /// between two loopback nodes went from ~0.8 to ~1.2 GB/s (docs/benchmarks.md, Sitting 30).
    /// </summary>
    private static CallInvoker PullInvoker(NodeInfo node) => node.RayletWireEndpoint.Length > 0
        ? Common.Transport.Framed.WireChannels.Get(node.RayletWireEndpoint)
        : ChannelPool.Get(node.RayletEndpoint).CreateCallInvoker();

    private async Task PullFromAsync(ObjectId id, UniqueId sourceNode, NodeInfo node)
    {
        var invoker = PullInvoker(node);
        long offset = -1;
        var written = 0L;
        long size = 0;
        try
        {
            // A window at a time until the whole object is here; a window that brings no bytes means the object went
            // (or a broken peer sends empty chunks): the pull ends there.
            var more = true;
            while (more && (offset < 0 || written < size))
            {
                var before = written;
                // Per-chunk deadline: a pull of any size goes on while chunks keep coming, and ends when one does not.
                using var stalled = new CancellationTokenSource(RpcDeadlines.ChunkTimeout);
                using var call = PullMethod.Start(invoker, new ReadObjectRequest
                {
                    ObjectId = id.ToByteString(),
                    ReaderNodeId = store.NodeId.ToByteString(),
                    Offset = written,
                    Length = PullWindow,
                }, stalled.Token);
                await foreach (var received in call.ResponseStream.ReadAllAsync().ConfigureAwait(false))
                {
                    using var chunk = received;
                    stalled.CancelAfter(RpcDeadlines.ChunkTimeout);
                    if (offset < 0)
                    {
                        if (chunk.Size < 0 || chunk.Size > store.Capacity)
                        {
                            throw new ObjectLostError($"Node {sourceNode} sent object {id} with size {chunk.Size}, which no store of this node can hold: refused.");
                        }
                        size = chunk.Size;
                        // The copy belongs to the object's owner too: when that process dies, every node frees its copy.
                        var owner = chunk.OwnerWorkerId.IsEmpty ? UniqueId.Nil : UniqueId.FromByteString(chunk.OwnerWorkerId);
                        var (at, exists) = await store.CreateAsync(id, size, chunk.Format, owner, CancellationToken.None, secondary: true).ConfigureAwait(false);
                        if (exists)
                        {
                            return;
                        }
                        offset = at;
                    }
                    // A peer writes into this node's shared memory: each chunk must be the next bytes of this
                    // object and end inside it, or a broken or hostile node could overwrite other objects.
                    if (chunk.Size != size || chunk.Offset != written || chunk.Length > size - written)
                    {
                        throw new ObjectLostError(
                            $"Node {sourceNode} sent a chunk of object {id} at offset {chunk.Offset} of {chunk.Length} bytes (object size {chunk.Size}, expected offset {written} within {size}): refused.");
                    }
                    store.Write(offset + chunk.Offset, chunk.Data);
                    written += chunk.Length;
                }
                more = written > before;
            }
        }
        catch
        {
            // A half-written copy must not look present: later readers would wait for its seal forever.
            if (offset >= 0)
            {
                store.Abort(id);
            }
            throw;
        }
        if (offset < 0 || written != size)
        {
            if (offset >= 0)
            {
                store.Abort(id);
            }
            throw new ObjectLostError($"Object {id} could not be pulled from node {sourceNode}: it is no longer there.");
        }
        store.Seal(id);
    }

    /// <summary>The primary copies were freed here: the nodes that took copies of them free theirs.</summary>
    public void FreeCopies(IEnumerable<ObjectId> ids)
    {
        foreach (var (node, freed) in _copies.Take(ids))
        {
            if (view.Find(node) is not { } info)
            {
                // A dead node's store went with it.
                continue;
            }
            var request = new ObjectIdList();
            request.ObjectIds.AddRange(freed.Select(i => i.ToByteString()));
            ReleaseCalls.Send("Free of copies of objects", info.RayletEndpoint,
                deadline => new Protocol.ObjectStore.ObjectStoreClient(ChannelPool.Get(info.RayletEndpoint)).FreeAsync(request, deadline: deadline).ResponseAsync,
                logger, CancellationToken.None);
        }
    }

    /// <summary>
    /// Serves a pull: streams <paramref name="length"/> of the object's bytes from <paramref name="start"/> (0: to the end)
    /// while it is pinned for the stream. Every chunk names its offset in the whole object and the object's size.
    /// </summary>
    public async Task ServeAsync(ObjectId id, UniqueId readerNode, long start, long length, IServerStreamWriter<ObjectChunk> responses, CancellationToken cancellationToken)
    {
        var reader = UniqueId.New();
        var location = await store.GetAsync(id, reader, cancellationToken).ConfigureAwait(false);
        if (!location.Found)
        {
            return;
        }
        try
        {
            var owner = store.OwnerOf(id);
            if (!readerNode.IsNil && readerNode != store.NodeId)
            {
                _copies.Add(id, readerNode);
            }
            if (start > location.Size)
            {
                throw new RpcException(new Status(StatusCode.OutOfRange, $"Object {id} has {location.Size} bytes: no read can start at {start}."));
            }
            var end = length > 0 && length < location.Size - start ? start + length : location.Size;
            // At least one chunk, empty for an empty object: it carries the size and format.
            for (var done = start; done < end || done == start; done += ChunkSize)
            {
                var count = (int)Math.Min(ChunkSize, end - done);
                // The chunk wraps the pinned store bytes: they are copied once, into the response, when it is written.
                using var bytes = store.Read(location.Offset + done, count);
                var chunk = new ObjectChunk
                {
                    Size = location.Size,
                    Format = location.Format,
                    Offset = done,
                    Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(bytes.Memory),
                };
                if (done == 0 && !owner.IsNil)
                {
                    chunk.OwnerWorkerId = owner.ToByteString();
                }
                await responses.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            store.Release([id], reader);
        }
    }
}
