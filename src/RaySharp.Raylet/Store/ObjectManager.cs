using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Configuration;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>
/// Moves objects between nodes (Ray's object manager): a reader's raylet pulls an object from the
/// nodes that hold it, ~8 MiB at a time (raw on a transfer connection, or in 64 KiB chunks), into its own store as a secondary copy
/// (<see cref="ObjectPull"/>: the primary copy's node first, then every holder it names at once). Concurrent requests
/// for one object share one pull. The node that serves a copy remembers who took it, so that freeing
/// the primary frees the copies too (as Ray's owner frees every location): a copy is otherwise only
/// evicted when its store needs the room, and a long run fills every store with copies nobody reads.
/// </summary>
internal sealed class ObjectManager(PlasmaStore store, ClusterResourceView view, ILogger<ObjectManager> logger)
{
    private readonly CopyHolders _copies = new();

    /// <summary>The bytes this node pulled and served.</summary>
    public TransferStats Transfers { get; } = new();

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

    /// <summary>How many bytes a transfer connection moves with one write or read (the store's memory goes to the socket directly).</summary>
    public const int TransferSlice = 1 << 20;

    private readonly ConcurrentDictionary<ObjectId, Lazy<Task>> _pulls = new();

    /// <summary>
    /// <c>RAYSHARP_TESTING_OBJECT_CHUNK_DELAY_MS</c>: a pause before each chunk this node serves, for tests that must act
    /// while a pull is in flight (as Ray's testing_asio_delay_us slows chosen calls). Unset outside tests.
    /// </summary>
    private static readonly TimeSpan s_testingChunkDelay =
        TimeSpan.FromMilliseconds(EnvironmentSettings.Count("RAYSHARP_TESTING_OBJECT_CHUNK_DELAY_MS", 0, 60_000) ?? 0);

    /// <summary>Cancelled when the raylet stops: pulls in flight close their connections and end.</summary>
    private readonly CancellationTokenSource _stopping = new();

    public Task PullAsync(ObjectId id, UniqueId sourceNode)
    {
        var pull = _pulls.GetOrAdd(id, key => new Lazy<Task>(() => ObjectPull.RunAsync(key, sourceNode, store, view, Transfers, logger, _stopping.Token)));
        pull.Value.ContinueWith(_ => _pulls.TryRemove(new KeyValuePair<ObjectId, Lazy<Task>>(id, pull)), TaskScheduler.Default);
        return pull.Value;
    }

    /// <summary>
    /// Ends the pulls in flight and waits (bounded) until none writes into the store any more: the raylet unmaps the store's
    /// memory next, and a pull's thread may be reading a transfer straight into it.
    /// </summary>
    public async Task StopAsync(TimeSpan bound)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var pulls = _pulls.Values.Where(p => p.IsValueCreated).Select(p => p.Value).ToArray();
        try
        {
            await Task.WhenAll(pulls).WaitAsync(bound).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Pulls end by failing here (their objects are lost to their readers, which are stopping too), or the bound passed.
        }
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
                if (done == 0)
                {
                    if (!owner.IsNil)
                    {
                        chunk.OwnerWorkerId = owner.ToByteString();
                    }
                    // The puller may ask the other holders for the rest of its windows at the same time.
                    foreach (var holder in _copies.Holders(id, readerNode, ObjectPull.MaxHolders))
                    {
                        chunk.HolderNodeIds.Add(holder.ToByteString());
                    }
                }
                if (s_testingChunkDelay > TimeSpan.Zero)
                {
                    await Task.Delay(s_testingChunkDelay, cancellationToken).ConfigureAwait(false);
                }
                await responses.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                Transfers.Served(count);
            }
        }
        finally
        {
            store.Release([id], reader);
        }
    }

    /// <summary>
    /// Serves one read of a transfer connection (<see cref="ObjectTransferServer"/>), blocking: the answer's header, then the
    /// range's bytes written from the store's memory straight into the connection, while the object is pinned. Waits (up
    /// to <see cref="RpcDeadlines.ChunkTimeout"/>) for a copy that is still being written, as <see cref="ServeAsync"/> does.
    /// </summary>
    public void ServeTransfer(ObjectTransferRequest request, Stream stream, CancellationToken stopping)
    {
        var reader = UniqueId.New();
        StoredObjectLocation location;
        using (var sealWait = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            // Shorter than the reader's own wait for bytes, so that it gets a clean answer and keeps the connection.
            sealWait.CancelAfter(RpcDeadlines.ChunkTimeout - TimeSpan.FromSeconds(5));
            try
            {
                // Blocking: this runs on the transfer connection's own thread, which has nothing else to do meanwhile.
                location = store.GetAsync(request.ObjectId, reader, sealWait.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                // Not sealed in time: the reader takes its window from another holder.
                ObjectTransferReply.Absent.Write(stream);
                return;
            }
        }
        if (!location.Found)
        {
            ObjectTransferReply.Absent.Write(stream);
            return;
        }
        try
        {
            var start = request.Offset;
            if (start > location.Size)
            {
                ObjectTransferReply.Refused($"Object {request.ObjectId} has {location.Size} bytes: no read can start at {start}.").Write(stream);
                return;
            }
            if (!request.ReaderNode.IsNil && request.ReaderNode != store.NodeId)
            {
                _copies.Add(request.ObjectId, request.ReaderNode);
            }
            var end = request.Length > 0 && request.Length < location.Size - start ? start + request.Length : location.Size;
            // The puller may ask the other holders for the rest of its windows at the same time.
            List<UniqueId> holders = start == 0 ? _copies.Holders(request.ObjectId, request.ReaderNode, ObjectPull.MaxHolders) : [];
            new ObjectTransferReply(ObjectTransferStatus.Here, location.Size, location.Format, start, end - start, store.OwnerOf(request.ObjectId), holders, null)
                .Write(stream);
            // Slices bound how long the store's bytes are lent out; a slice per chunk when tests slow the serving.
            var slice = s_testingChunkDelay > TimeSpan.Zero ? ChunkSize : TransferSlice;
            for (var done = start; done < end; done += slice)
            {
                var count = (int)Math.Min(slice, end - done);
                if (s_testingChunkDelay > TimeSpan.Zero)
                {
                    Thread.Sleep(s_testingChunkDelay);
                }
                using (var bytes = store.Read(location.Offset + done, count))
                {
                    stream.Write(bytes.Memory.Span);
                }
                Transfers.Served(count);
            }
        }
        finally
        {
            store.Release([request.ObjectId], reader);
        }
    }
}
