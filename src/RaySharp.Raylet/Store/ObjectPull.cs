using Grpc.Core;
using Microsoft.Extensions.Logging;
using System.Net.Sockets;
using RaySharp.Common.Ids;
using RaySharp.Common.Security;
using RaySharp.Common.Transport;
using RaySharp.Common.Transport.Framed;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>
/// One pull of one object into this node's store, from every node that holds it (Ray's pull manager asks the object's
/// locations for chunks in parallel). The first window comes from the node the reader named, the primary copy: its first
/// chunk says the object's size, format and owner, and which other nodes took copies. Every holder is then asked for the
/// remaining windows at once, each taking the next window nobody has asked for yet.
/// A holder that fails (its node died, a chunk stalled, it no longer has the object, it sent a chunk out of place) is
/// dropped and its window goes to another holder; once no window is left to start, an idle holder also asks for one
/// still in flight elsewhere, so a slow or paused holder does not hold the last window back. Once the primary's first
/// chunk came, the pull is lost only when every holder failed (before it, no other holder is known). A holder whose own
/// copy is still being written answers once it is sealed, within the chunk deadline (else it counts as stalled).
/// The copy is sealed, or aborted, only after every stream has ended: no late chunk can land in memory the store has
/// given to another object.
/// One stream per holder: two streams from one holder were slower on a 2-core machine (0.75 against 1.04–1.09 GB/s for
/// 1 GiB between two loopback nodes), the two ends' threads contending for the cores rather than waiting on each other.
/// A window is read on a transfer connection where the holder has a wire server: its bytes go from the socket straight
/// into the copy (1.9 → 2.9 GB/s for the same 1 GiB, Sitting 38); else as a stream of chunks.
/// </summary>
internal sealed class ObjectPull
{
    /// <summary>At most this many holders named by the primary are asked (a window is ~8 MiB: more would rarely help).</summary>
    public const int MaxHolders = 8;

    private readonly ObjectId _id;
    private readonly PlasmaStore _store;
    private readonly ClusterResourceView _view;
    private readonly TransferStats _transfers;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<Window> _windows = [];
    private int _remaining;
    // Completed and replaced whenever a window ends or a reader gives one back: idle holders look again.
    private TaskCompletionSource _changed = NewSignal();
    // Where the copy sits in the store once made; Present when the store turned out to have the object already.
    private const long Present = -2;
    private long _size = -1;
    private long _offset = -1;
    private readonly List<UniqueId> _named = [];
    private string? _lastFailure;
    private readonly CancellationToken _stopping;

    private ObjectPull(ObjectId id, PlasmaStore store, ClusterResourceView view, TransferStats transfers, ILogger logger, CancellationToken stopping)
    {
        _stopping = stopping;
        _id = id;
        _store = store;
        _view = view;
        _transfers = transfers;
        _logger = logger;
    }

    /// <summary>Pulls the object, first from <paramref name="sourceNode"/>; throws <see cref="ObjectLostError"/> when no holder could give it.</summary>
    public static Task RunAsync(ObjectId id, UniqueId sourceNode, PlasmaStore store, ClusterResourceView view, TransferStats transfers, ILogger logger,
        CancellationToken stopping) =>
        new ObjectPull(id, store, view, transfers, logger, stopping).RunAsync(sourceNode);

    private async Task RunAsync(UniqueId sourceNode)
    {
        if (_store.Contains(_id))
        {
            return;
        }
        var source = _view.Find(sourceNode)
            ?? throw new ObjectLostError($"Object {_id} lives on node {sourceNode}, which is dead or unknown: the object is lost.");
        var first = new Window(0, ObjectManager.PullWindow);
        try
        {
            await PullAsync(sourceNode, source, first).ConfigureAwait(false);
        }
        finally
        {
            first.Finished.Dispose();
            foreach (var window in _windows)
            {
                window.Finished.Dispose();
            }
        }
    }

    private async Task PullAsync(UniqueId sourceNode, NodeInfo source, Window first)
    {
        string? sourceFailure = null;
        try
        {
            if (!await ReadWindowAsync(source, sourceNode, first).ConfigureAwait(false))
            {
                sourceFailure = PartialWindow;
            }
        }
        catch (Exception ex) when (_size < 0 && (ex is RpcException or TimeoutException))
        {
            throw new ObjectLostError($"Object {_id} could not be pulled from node {sourceNode} ({source.RayletEndpoint}): {Describe(ex)}", ex);
        }
        catch (Exception ex) when (_size >= 0)
        {
            // The size is known and the copy made: the other holders can still give this window.
            sourceFailure = Describe(ex);
        }
        if (_size < 0)
        {
            if (_offset == Present)
            {
                // The store had it already (a task's return, or a copy another pull made, got there first).
                return;
            }
            throw new ObjectLostError($"Object {_id} could not be pulled from node {sourceNode}: it is no longer there.");
        }
        try
        {
            Plan(first, done: sourceFailure is null);
            if (sourceFailure is not null)
            {
                Failed(sourceNode, sourceFailure);
            }
            if (_remaining > 0)
            {
                var streams = new List<Task>();
                if (sourceFailure is null)
                {
                    streams.Add(ReadFromAsync(sourceNode, source));
                }
                foreach (var node in _named)
                {
                    if (node != sourceNode && node != _store.NodeId && _view.Find(node) is { } info)
                    {
                        streams.Add(ReadFromAsync(node, info));
                    }
                }
                // Every stream ends before this returns, even when one of them faults.
                await Task.WhenAll(streams).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Nothing is writing any more: a half-made copy must not look present (readers would wait for its seal).
            _store.Abort(_id);
            throw new ObjectLostError($"Object {_id} could not be pulled: {ex.Message}", ex);
        }
        if (_remaining > 0)
        {
            _store.Abort(_id);
            throw new ObjectLostError($"Object {_id} could not be pulled: no node that held it could give all of it (last failure: {_lastFailure}).");
        }
        _store.Seal(_id);
    }

    /// <summary>The object's windows once its size is known; the first is done when its whole range came.</summary>
    private void Plan(Window first, bool done)
    {
        lock (_lock)
        {
            first.End = Math.Min(ObjectManager.PullWindow, _size);
            first.Done = done;
            _windows.Add(first);
            for (var start = first.End; start < _size; start += ObjectManager.PullWindow)
            {
                _windows.Add(new Window(start, Math.Min(start + ObjectManager.PullWindow, _size)));
            }
            _remaining = _windows.Count - (done ? 1 : 0);
        }
    }

    /// <summary>One holder's stream of windows, until none is left for it or it fails.</summary>
    private async Task ReadFromAsync(UniqueId node, NodeInfo info)
    {
        while (true)
        {
            Window? window;
            Task changed;
            lock (_lock)
            {
                if (_remaining == 0)
                {
                    return;
                }
                window = TakeLocked(node);
                changed = _changed.Task;
            }
            if (window is null)
            {
                await changed.ConfigureAwait(false);
                continue;
            }
            var read = false;
            string? failure = null;
            try
            {
                read = await ReadWindowAsync(info, node, window).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                failure = Describe(ex);
            }
            if (!read && window.Finished.IsCancellationRequested)
            {
                // Another holder gave this window first: this read was called off, which is not this holder's fault.
                failure = null;
            }
            else if (!read)
            {
                failure ??= PartialWindow;
            }
            var finished = false;
            lock (_lock)
            {
                window.Readers--;
                if (read && !window.Done)
                {
                    window.Done = true;
                    _remaining--;
                    finished = true;
                }
                Signal();
            }
            if (finished)
            {
                // Calls off a second reader of the window, if any.
                await window.Finished.CancelAsync().ConfigureAwait(false);
            }
            if (failure is not null)
            {
                Failed(node, failure);
                return;
            }
        }
    }

    /// <summary>
    /// A window nobody reads; else, when every window has started, one that a single other holder reads (so a stalled
    /// holder does not hold up the end of the pull); else none.
    /// </summary>
    private Window? TakeLocked(UniqueId node)
    {
        Window? second = null;
        foreach (var window in _windows)
        {
            if (window.Done)
            {
                continue;
            }
            if (window.Readers == 0)
            {
                window.Readers = 1;
                window.FirstReader = node;
                return window;
            }
            if (second is null && window.Readers == 1 && window.FirstReader != node)
            {
                second = window;
            }
        }
        if (second is not null)
        {
            second.Readers++;
        }
        return second;
    }

    /// <summary>
    /// Asks <paramref name="node"/> for the window's bytes and writes them into the copy: true when they all came. The
    /// first read of the pull makes the copy from what the first answer says. A node with a wire server is read on a
    /// transfer connection (<see cref="ReadWindowOnTransfer"/>), unless it is serving as many as it can; else with chunks
    /// in frames, or gRPC.
    /// </summary>
    private async Task<bool> ReadWindowAsync(NodeInfo info, UniqueId node, Window window)
    {
        if (info.RayletWireEndpoint.Length > 0)
        {
            try
            {
                // Blocking reads into the store, on a thread of their own for the window (~8 MiB).
                return await Task.Factory.StartNew(() => ReadWindowOnTransfer(info.RayletWireEndpoint, node, window), CancellationToken.None,
                    TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.ResourceExhausted or StatusCode.Unimplemented)
            {
                // Every transfer slot of that node is taken (or it takes no transfers): this window comes in frames.
            }
        }
        return await ReadChunkedWindowAsync(Invoker(info), node, window).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the window on a transfer connection to <paramref name="endpoint"/>: the answer's header, then its bytes straight
    /// from the socket into the copy's memory. A read that stalls for <see cref="RpcDeadlines.ChunkTimeout"/> throws
    /// <see cref="TimeoutException"/>; a broken connection <see cref="RpcException"/>; the window being finished by
    /// another holder, or the raylet stopping, closes the connection and ends the read (the caller sees the window as
    /// finished, or the pull as failed).
    /// </summary>
    private bool ReadWindowOnTransfer(string endpoint, UniqueId node, Window window)
    {
        // A connection kept from an earlier transfer may have been closed by its server meanwhile (an idle timeout, a
        // restart on the same port): once more, on a new connection.
        for (var attempt = 0; ; attempt++)
        {
            var connection = attempt == 0
                ? WireTransferPool.Rent(endpoint, ClusterSecurity.Current)
                : WireTransferPool.Connect(endpoint, ClusterSecurity.Current);
            var answered = false;
            var clean = false;
            try
            {
                using var callOff = window.Finished.Token.Register(static c => ((WireTransferConnection)c!).Dispose(), connection);
                using var stop = _stopping.Register(static c => ((WireTransferConnection)c!).Dispose(), connection);
                connection.SetTimeout(RpcDeadlines.ChunkTimeout);
                new ObjectTransferRequest(_id, _store.NodeId, window.Start, window.End - window.Start).Write(connection.Stream);
                var reply = ObjectTransferReply.ReadFrom(connection.Stream);
                answered = true;
                switch (reply.Status)
                {
                    case ObjectTransferStatus.Absent:
                        clean = true;
                        return false;
                    case ObjectTransferStatus.Refused:
                        clean = true;
                        throw new ObjectLostError($"Node {node} refused to give object {_id}: {reply.Reason}");
                }
                if (_size < 0)
                {
                    // Blocking: this is the window's own thread (the store may make room for the copy first).
                    if (!CreateAsync(node, reply.Size, reply.Format, reply.Owner, reply.Holders).GetAwaiter().GetResult())
                    {
                        return false;
                    }
                    window.End = Math.Min(window.End, _size);
                }
                // A peer writes into this node's shared memory: the range must be exactly this window's.
                if (reply.Size != _size || reply.Offset != window.Start || reply.Count != window.End - window.Start)
                {
                    throw new ObjectLostError(
                        $"Node {node} sent {reply.Count} bytes of object {_id} at offset {reply.Offset} (object size {reply.Size}, expected {window.End - window.Start} at {window.Start}): refused.");
                }
                for (var done = 0L; done < reply.Count;)
                {
                    var count = (int)Math.Min(ObjectManager.TransferSlice, reply.Count - done);
                    connection.Stream.ReadExactly(_store.Writable(_offset + window.Start + done, count));
                    _transfers.Pulled(count);
                    done += count;
                }
                clean = true;
                return true;
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or WireProtocolException)
            {
                if (window.Finished.IsCancellationRequested)
                {
                    return false;
                }
                if (_stopping.IsCancellationRequested)
                {
                    throw new ObjectLostError($"The pull of object {_id} ended: this raylet is stopping.");
                }
                var timedOut = ex is IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut } };
                if (!answered && connection.Reused && !timedOut)
                {
                    // Its server closed it (or all of them, if it restarted): the idle ones to it are dead too.
                    WireTransferPool.Forget(endpoint);
                    if (attempt == 0)
                    {
                        continue;
                    }
                }
                if (timedOut)
                {
                    throw new TimeoutException($"no bytes came for {RpcDeadlines.ChunkTimeout.TotalSeconds:0} s", ex);
                }
                throw new RpcException(new Status(StatusCode.Unavailable, $"The transfer from {endpoint} broke: {ex.Message}", ex));
            }
            finally
            {
                if (clean && !window.Finished.IsCancellationRequested && !_stopping.IsCancellationRequested)
                {
                    WireTransferPool.Return(connection);
                }
                else
                {
                    connection.Dispose();
                }
            }
        }
    }

    /// <summary>The window asked for as a <c>ReadObject</c> stream of chunks (frames or gRPC).</summary>
    private async Task<bool> ReadChunkedWindowAsync(CallInvoker invoker, UniqueId node, Window window)
    {
        // Per-chunk deadline: a window goes on while chunks keep coming, and ends when one does not.
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(window.Finished.Token);
        stalled.CancelAfter(RpcDeadlines.ChunkTimeout);
        using var call = PullMethod.Start(invoker, new ReadObjectRequest
        {
            ObjectId = _id.ToByteString(),
            ReaderNodeId = _store.NodeId.ToByteString(),
            Offset = window.Start,
            Length = window.End - window.Start,
        }, stalled.Token);
        try
        {
            return await ReadChunksAsync(call, node, window, stalled).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is RpcException or OperationCanceledException) && stalled.IsCancellationRequested && !window.Finished.IsCancellationRequested)
        {
            throw new TimeoutException($"no chunk came for {RpcDeadlines.ChunkTimeout.TotalSeconds:0} s", ex);
        }
    }

    private async Task<bool> ReadChunksAsync(AsyncServerStreamingCall<PulledChunk> call, UniqueId node, Window window, CancellationTokenSource stalled)
    {
        var expected = window.Start;
        await foreach (var received in call.ResponseStream.ReadAllAsync().ConfigureAwait(false))
        {
            using var chunk = received;
            stalled.CancelAfter(RpcDeadlines.ChunkTimeout);
            if (_size < 0)
            {
                var owner = chunk.OwnerWorkerId.IsEmpty ? UniqueId.Nil : UniqueId.FromByteString(chunk.OwnerWorkerId);
                if (!await CreateAsync(node, chunk.Size, chunk.Format, owner, chunk.HolderNodeIds.Select(UniqueId.FromByteString)).ConfigureAwait(false))
                {
                    return false;
                }
                window.End = Math.Min(window.End, _size);
            }
            // A peer writes into this node's shared memory: each chunk must be the next bytes of this window and end
            // inside it, or a broken or hostile node could overwrite other objects.
            if (chunk.Size != _size || chunk.Offset != expected || chunk.Length > window.End - expected)
            {
                throw new ObjectLostError(
                    $"Node {node} sent a chunk of object {_id} at offset {chunk.Offset} of {chunk.Length} bytes (object size {chunk.Size}, expected offset {expected} within {window.End}): refused.");
            }
            _store.Write(_offset + chunk.Offset, chunk.Data);
            _transfers.Pulled(chunk.Length);
            expected += chunk.Length;
        }
        return _size >= 0 && expected == window.End;
    }

    /// <summary>
    /// Makes the copy in the store from what the pull's first answer says (the object's size, format and owner, and other
    /// nodes holding it); false when the store has the object already.
    /// </summary>
    private async Task<bool> CreateAsync(UniqueId node, long size, PayloadFormat format, UniqueId owner, IEnumerable<UniqueId> holders)
    {
        if (size < 0 || size > _store.Capacity)
        {
            throw new ObjectLostError($"Node {node} sent object {_id} with size {size}, which no store of this node can hold: refused.");
        }
        // The copy belongs to the object's owner too: when that process dies, every node frees its copy.
        var (at, exists) = await _store.CreateAsync(_id, size, format, owner, CancellationToken.None, secondary: true).ConfigureAwait(false);
        if (exists)
        {
            _offset = Present;
            return false;
        }
        _offset = at;
        _size = size;
        foreach (var named in holders)
        {
            if (_named.Count < MaxHolders && !_named.Contains(named))
            {
                _named.Add(named);
            }
        }
        return true;
    }

    // A holder that no longer has the object answers a read with no chunk at all, which ends up here too.
    private const string PartialWindow = "it sent only part of the window asked for, or nothing (it may no longer have the object)";

    private static string Describe(Exception ex) => ex switch
    {
        RpcException rpc => $"{rpc.Status.StatusCode} {rpc.Status.Detail}",
        _ => ex.Message,
    };

    private void Failed(UniqueId node, string why)
    {
        _lastFailure = $"node {node}: {why}";
        RayletLog.PullFromHolderFailed(_logger, _id.ToString(), node.ToString(), why);
    }

    private void Signal()
    {
        var old = _changed;
        _changed = NewSignal();
        old.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The transport a pull from <paramref name="node"/> takes: its raylet's RaySharp wire server when it names one, else
    /// gRPC. HTTP/2 cuts a stream into 16 KiB frames, each handled on both sides, and lends each message a pooled buffer
    /// that must be copied out; the wire protocol sends a chunk as one frame into an array the chunk keeps. A 1 GiB pull
    /// between two loopback nodes went from ~0.8 to ~1.2 GB/s (docs/benchmarks.md, Sitting 30).
    /// </summary>
    private static CallInvoker Invoker(NodeInfo node) => node.RayletWireEndpoint.Length > 0
        ? Common.Transport.Framed.WireChannels.Get(node.RayletWireEndpoint)
        : ChannelPool.Get(node.RayletEndpoint).CreateCallInvoker();

    /// <summary>A range of the object asked of one holder in one read.</summary>
    private sealed class Window(long start, long end)
    {
        public long Start { get; } = start;

        public long End { get; set; } = end;

        public bool Done { get; set; }

        public int Readers { get; set; }

        public UniqueId FirstReader { get; set; }

        /// <summary>Cancelled when a holder gave the whole window: a second reader of it stops.</summary>
        public CancellationTokenSource Finished { get; } = new();
    }
}
