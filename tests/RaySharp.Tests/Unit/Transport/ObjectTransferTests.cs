using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using RaySharp.Common.Ids;
using RaySharp.Common.Security;
using RaySharp.Common.Store;
using RaySharp.Common.Transport.Framed;
using RaySharp.Protocol;
using RaySharp.Raylet;
using RaySharp.Raylet.Store;
using RaySharp.Tests.Integration;
using Xunit;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// Transfer connections end to end on one machine: a real store on a mapped region, the raylet's object manager serving
/// it through a wire server on a Unix socket, and the client connection a pull uses. Reads give the exact bytes and say
/// who else holds the object; absent objects and bad ranges get answers, not a broken connection; a stranger, a server
/// that takes no transfers, garbage, and one connection too many are each refused without harm to the rest.
/// </summary>
public sealed class ObjectTransferTests : IDisposable
{
    private const long MiB = 1 << 20;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("raysharp-transfer-");
    private readonly SharedMemoryRegion _region;
    private readonly PlasmaStore _store;
    private readonly ObjectManager _objects;
    private readonly UniqueId _owner = UniqueId.New();

    public ObjectTransferTests()
    {
        _region = SharedMemoryRegion.Create(_directory.FullName, 64 * MiB);
        _store = new PlasmaStore(_region, isFallback: true, Path.Combine(_directory.FullName, "spill"), TimeSpan.FromSeconds(1), NullLogger.Instance)
        {
            NodeId = UniqueId.New(),
        };
        // The view is never asked here (serving reads needs no other node); its GCS channel stays unconnected.
        var view = new ClusterResourceView("127.0.0.1:1", _store.NodeId, () => ([], [], []));
        _objects = new ObjectManager(_store, view, NullLogger<ObjectManager>.Instance);
    }

    public void Dispose()
    {
        _store.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_read_gives_the_exact_bytes_of_its_range_and_the_connection_serves_the_next()
    {
        var size = 3 * MiB + 5;
        var id = await PutAsync(size, seed: 11);
        var expected = Pattern(size, 11);
        await using var server = StartServer(new ClusterSecurity());
        using var connection = WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity());
        connection.SetTimeout(s_timeout);

        var whole = Read(connection, new ObjectTransferRequest(id, UniqueId.Nil, 0, 0));
        Assert.Equal(ObjectTransferStatus.Here, whole.Reply.Status);
        Assert.Equal(size, whole.Reply.Size);
        Assert.Equal(PayloadFormat.RawArray, whole.Reply.Format);
        Assert.Equal(_owner, whole.Reply.Owner);
        Assert.True(expected.AsSpan().SequenceEqual(whole.Bytes), "the whole object's bytes differ");

        // A window in the middle, then one asked past the end (it gets what is there), on the same connection.
        var middle = Read(connection, new ObjectTransferRequest(id, UniqueId.Nil, MiB + 3, MiB));
        Assert.Equal(MiB + 3, middle.Reply.Offset);
        Assert.True(expected.AsSpan((int)MiB + 3, (int)MiB).SequenceEqual(middle.Bytes), "the middle window's bytes differ");
        var tail = Read(connection, new ObjectTransferRequest(id, UniqueId.Nil, size - 7, 4 * MiB));
        Assert.True(expected.AsSpan((int)size - 7).SequenceEqual(tail.Bytes), "the tail's bytes differ");

        Assert.Equal(size + MiB + 7, _objects.Transfers.ServedBytes);
        // Every read let go of its pin.
        Assert.Equal(0, _store.GetStats().Objects.Single(o => ObjectId.FromByteString(o.ObjectId) == id).Pins);
    }

    [Fact]
    public async Task The_first_window_names_the_other_nodes_that_took_copies()
    {
        var id = await PutAsync(MiB, seed: 3);
        await using var server = StartServer(new ClusterSecurity());
        using var connection = WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity());
        connection.SetTimeout(s_timeout);
        var first = UniqueId.New();
        var second = UniqueId.New();

        Assert.Empty(Read(connection, new ObjectTransferRequest(id, first, 0, 0)).Reply.Holders);
        Assert.Equal([first], Read(connection, new ObjectTransferRequest(id, second, 0, 0)).Reply.Holders);
        // A later window names none: only a pull's first answer plans its windows.
        Assert.Empty(Read(connection, new ObjectTransferRequest(id, UniqueId.New(), 4096, 0)).Reply.Holders);
    }

    [Fact]
    public async Task An_empty_object_an_absent_one_and_a_read_past_the_end_are_answered_and_the_connection_goes_on()
    {
        var empty = await PutAsync(0, seed: 0);
        var id = await PutAsync(1000, seed: 5);
        await using var server = StartServer(new ClusterSecurity());
        using var connection = WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity());
        connection.SetTimeout(s_timeout);

        var nothing = Read(connection, new ObjectTransferRequest(empty, UniqueId.Nil, 0, 0));
        Assert.Equal((ObjectTransferStatus.Here, 0L, 0L), (nothing.Reply.Status, nothing.Reply.Size, nothing.Reply.Count));
        Assert.Equal(ObjectTransferStatus.Absent, Read(connection, new ObjectTransferRequest(new ObjectId(UniqueId.New(), 1), UniqueId.Nil, 0, 0)).Reply.Status);
        var refused = Read(connection, new ObjectTransferRequest(id, UniqueId.Nil, 1001, 0)).Reply;
        Assert.Equal(ObjectTransferStatus.Refused, refused.Status);
        Assert.Contains("no read can start at 1001", refused.Reason, StringComparison.Ordinal);

        Assert.True(Pattern(1000, 5).AsSpan().SequenceEqual(Read(connection, new ObjectTransferRequest(id, UniqueId.Nil, 0, 0)).Bytes));
    }

    [Fact]
    public async Task Garbage_ends_only_its_own_connection()
    {
        var id = await PutAsync(100_000, seed: 9);
        await using var server = StartServer(new ClusterSecurity());
        using (var broken = WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity()))
        {
            broken.SetTimeout(s_timeout);
            var junk = new byte[ObjectTransferRequest.Size];
            new Random(4).NextBytes(junk);
            junk[0] = 77;
            broken.Stream.Write(junk);
            // The server closes it: the read ends without an answer.
            Assert.Equal(0, broken.Stream.ReadAtLeast(new byte[1], 1, throwOnEndOfStream: false));
        }
        using var connection = WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity());
        connection.SetTimeout(s_timeout);
        Assert.True(Pattern(100_000, 9).AsSpan().SequenceEqual(Read(connection, new ObjectTransferRequest(id, UniqueId.Nil, 0, 0)).Bytes));
        Eventually.True(() => server.TransferConnectionCount == 1, s_timeout, "the broken connection's slot to come back");
    }

    [Fact]
    public async Task A_wrong_token_and_a_server_without_transfers_are_refused_with_their_reasons()
    {
        await using var server = StartServer(new ClusterSecurity { Token = "right-token-0123456789" });
        var stranger = Assert.Throws<RpcException>(() => WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity { Token = "wrong-token-0123456789" }));
        Assert.Equal(StatusCode.Unauthenticated, stranger.StatusCode);
        Assert.Equal(0, server.TransferConnectionCount);
        using (var right = WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity { Token = "right-token-0123456789" }))
        {
            Eventually.True(() => server.TransferConnectionCount == 1, s_timeout, "the accepted connection to be served");
        }

        var dir = Path.Combine(_directory.FullName, "plain.sock");
        await using var plain = WireServer.Start("unix:" + dir, _ => { }, security: new ClusterSecurity());
        var refused = Assert.Throws<RpcException>(() => WireTransferConnection.Connect(plain.Endpoint, new ClusterSecurity()));
        Assert.Equal(StatusCode.Unimplemented, refused.StatusCode);
        Assert.Contains("takes no transfer connections", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pool_reuses_an_idle_connection_forgets_dead_ones_and_leaves_a_busy_server_alone_for_a_moment()
    {
        var id = await PutAsync(1000, seed: 8);
        await using var server = StartServer(new ClusterSecurity());
        var first = WireTransferPool.Rent(server.Endpoint, new ClusterSecurity());
        Assert.False(first.Reused);
        WireTransferPool.Return(first);
        var again = WireTransferPool.Rent(server.Endpoint, new ClusterSecurity());
        Assert.Same(first, again);
        Assert.True(again.Reused);
        again.SetTimeout(s_timeout);
        Assert.True(Pattern(1000, 8).AsSpan().SequenceEqual(Read(again, new ObjectTransferRequest(id, UniqueId.Nil, 0, 0)).Bytes));
        WireTransferPool.Return(again);
        WireTransferPool.Forget(server.Endpoint);
        using (var fresh = WireTransferPool.Rent(server.Endpoint, new ClusterSecurity()))
        {
            Assert.False(fresh.Reused);
        }

        // Each connection is held until its client closes it.
        await using var full = WireServer.Start("unix:" + Path.Combine(_directory.FullName, "full.sock"), _ => { }, security: new ClusterSecurity(),
            transfers: (stream, _) => stream.ReadAtLeast(new byte[1], 1, throwOnEndOfStream: false));
        var held = new List<WireTransferConnection>();
        try
        {
            for (var i = 0; i < WireServer.MaxTransferConnections; i++)
            {
                held.Add(WireTransferPool.Connect(full.Endpoint, new ClusterSecurity()));
            }
            Eventually.True(() => full.TransferConnectionCount == WireServer.MaxTransferConnections, s_timeout, "every connection to be served");
            Assert.Equal(StatusCode.ResourceExhausted, Assert.Throws<RpcException>(() => WireTransferPool.Connect(full.Endpoint, new ClusterSecurity())).StatusCode);
            held[0].Dispose();
            Eventually.True(() => full.TransferConnectionCount == WireServer.MaxTransferConnections - 1, s_timeout, "a slot to come back");
            // A slot is free again, but the server refused one a moment ago: it is not asked again yet.
            Assert.Equal(StatusCode.ResourceExhausted, Assert.Throws<RpcException>(() => WireTransferPool.Rent(full.Endpoint, new ClusterSecurity())).StatusCode);
            Assert.Equal(WireServer.MaxTransferConnections - 1, full.TransferConnectionCount);
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Stopping_the_server_ends_its_transfers_and_waits_for_their_handlers()
    {
        var handlerEnded = 0;
        using var handlerStarted = new ManualResetEventSlim();
        var server = WireServer.Start("unix:" + Path.Combine(_directory.FullName, "stop.sock"), _ => { }, security: new ClusterSecurity(),
            transfers: (stream, _) =>
            {
                try
                {
                    handlerStarted.Set();
                    // Blocked in a read until the server closes the connection (the stop token is not looked at).
                    stream.ReadAtLeast(new byte[1], 1, throwOnEndOfStream: false);
                    Thread.Sleep(300);
                }
                finally
                {
                    Interlocked.Increment(ref handlerEnded);
                }
            });
        using var connection = WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity());
        // The slot is counted at the handshake, before the serving thread runs the handler (a server already stopping
        // never starts it): wait for the handler itself, or the stop below may come first.
        Assert.True(handlerStarted.Wait(s_timeout), "the handler to start");
        Assert.Equal(1, server.TransferConnectionCount);
        await server.DisposeAsync();
        Assert.Equal(1, Volatile.Read(ref handlerEnded));
        Assert.Equal(0, server.TransferConnectionCount);
    }

    [Fact]
    public async Task Past_the_cap_a_transfer_connection_is_refused_as_busy_and_its_slots_come_back()
    {
        using var release = new ManualResetEventSlim();
        var socket = "unix:" + Path.Combine(_directory.FullName, "busy.sock");
        await using var server = WireServer.Start(socket, _ => { }, security: new ClusterSecurity(),
            transfers: (_, stopping) => release.Wait(stopping));
        var held = new List<WireTransferConnection>();
        try
        {
            for (var i = 0; i < WireServer.MaxTransferConnections; i++)
            {
                held.Add(WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity()));
            }
            Eventually.True(() => server.TransferConnectionCount == WireServer.MaxTransferConnections, s_timeout, "every connection to be served");
            var busy = Assert.Throws<RpcException>(() => WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity()));
            Assert.Equal(StatusCode.ResourceExhausted, busy.StatusCode);
        }
        finally
        {
            release.Set();
            held.ForEach(c => c.Dispose());
        }
        Eventually.True(() => server.TransferConnectionCount == 0, s_timeout, "the slots to come back");
        using var again = WireTransferConnection.Connect(server.Endpoint, new ClusterSecurity());
    }

    private WireServer StartServer(ClusterSecurity security) =>
        WireServer.Start("unix:" + Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N")[..8] + ".sock"),
            _ => { }, security: security,
            transfers: (stream, stopping) => ObjectTransferServer.Serve(stream, _objects, NullLogger.Instance, stopping));

    private static (ObjectTransferReply Reply, byte[] Bytes) Read(WireTransferConnection connection, ObjectTransferRequest request)
    {
        request.Write(connection.Stream);
        var reply = ObjectTransferReply.ReadFrom(connection.Stream);
        var bytes = new byte[reply.Count];
        connection.Stream.ReadExactly(bytes);
        return (reply, bytes);
    }

    private async Task<ObjectId> PutAsync(long size, int seed)
    {
        var id = new ObjectId(UniqueId.New(), 1);
        var (offset, exists) = await _store.CreateAsync(id, size, PayloadFormat.RawArray, _owner, CancellationToken.None);
        Assert.False(exists);
        if (size > 0)
        {
            _store.Write(offset, Pattern(size, seed));
        }
        _store.Seal(id);
        return id;
    }

    private static byte[] Pattern(long size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
