using System.Net.Sockets;
using Grpc.Core;
using RaySharp.Common.Security;
using RaySharp.Common.Transport.Framed;
using RaySharp.Protocol;
using Xunit;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// Every wire protocol case again with both ends as a driver and a worker have them: the server reads each connection
/// on a thread of its own, and so does the client (connected and introduced with blocking calls). In the sequential
/// "Cluster" collection: the client's reader slots are counted per process, and no other test may take them meanwhile.
/// </summary>
[Collection("Cluster")]
public sealed class WireClientOwnReaderTests : WireProtocolTests
{
    protected override IReadOnlyCollection<string> OwnReaderMethods => [Runtime.CoreWorker.PushTasksMethod];

    protected override bool OwnReaderConnections => true;

    protected override bool ClientOwnReader => true;

    [Fact]
    public async Task ConnectionsPastTheClientsCapAreReadAsBeforeAndEveryOneGivesItsSlotBack()
    {
        // Slots other tests' drivers still hold (their connections to leased workers stay open).
        var before = WireClientConnection.OwnReaderCount;
        var invokers = Enumerable.Range(0, WireClientConnection.MaxOwnReaders + 8).Select(_ => Invoker()).ToList();
        var connections = new List<WireClientConnection>();
        try
        {
            foreach (var invoker in invokers)
            {
                connections.Add(await invoker.GetConnectionAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            }
            await Task.WhenAll(invokers.Select(async (invoker, i) =>
            {
                await PushOneTaskAsync(new Protocol.CoreWorker.CoreWorkerClient(invoker), $"t{i}");
            }));
            // The slots free at the start went to the first connections (others' connections may only end meanwhile, and
            // give theirs back); never more than the cap; the rest are read asynchronously and were served too.
            var free = Math.Max(0, WireClientConnection.MaxOwnReaders - before);
            Assert.All(connections.Take(free), c => Assert.True(c.HoldsReaderSlot));
            Assert.InRange(connections.Count(c => c.HoldsReaderSlot), free, WireClientConnection.MaxOwnReaders);
            Assert.True(connections.Count(c => !c.HoldsReaderSlot) >= connections.Count - WireClientConnection.MaxOwnReaders);
            Assert.InRange(WireClientConnection.OwnReaderCount, 0, WireClientConnection.MaxOwnReaders);
        }
        finally
        {
            foreach (var invoker in invokers)
            {
                invoker.Dispose();
            }
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (WireClientConnection.OwnReaderCount > before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(WireClientConnection.OwnReaderCount <= before, $"{WireClientConnection.OwnReaderCount} slots held after the connections ended, {before} before");
    }

    [Fact]
    public async Task PushesGoOnAConnectionOfTheirOwnReadByItsOwnThreadThoughAControlCallConnectedFirst()
    {
        // As a driver whose embedded GCS created an actor (CreateActor, WatchActor) before the driver's first call to it.
        var endpoint = Server.Endpoint;
        var control = WireChannels.Get(endpoint);
        var push = WireChannels.PushInvoker(endpoint);
        try
        {
            Assert.NotSame(control, push);
            Assert.Same(push, WireChannels.PushInvoker(endpoint));
            Assert.Same(control, WireChannels.Get(endpoint));
            var reply = await WireChannels.CoreWorker(endpoint).CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("first") })
                .ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("first:False", reply.Error);
            var controlConnection = await control.GetConnectionAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(controlConnection.HoldsReaderSlot);

            var before = WireClientConnection.OwnReaderCount;
            await PushOneTaskAsync(WireChannels.TaskPush(endpoint), "pushed");
            var pushConnection = await push.GetConnectionAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotSame(controlConnection, pushConnection);
            Assert.True(pushConnection.HoldsReaderSlot || before >= WireClientConnection.MaxOwnReaders);
            // A cancel sent on the push connection is answered there (it follows the pushes it names).
            reply = await WireChannels.TaskPush(endpoint).CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("later") })
                .ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("later:False", reply.Error);
            Assert.False(pushConnection.IsClosed);
        }
        finally
        {
            // Forget disposes them a minute later; these are done with now (disposing twice does no harm).
            WireChannels.Forget(endpoint);
            control.Dispose();
            push.Dispose();
        }
    }

    [Fact]
    public async Task AServerThatIsNotThereIsUnavailableAndHoldsNoSlot()
    {
        var before = WireClientConnection.OwnReaderCount;
        var missing = "unix:" + Path.Combine(Path.GetTempPath(), $"raysharp-missing-{Guid.NewGuid():N}.sock");
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            WireClientConnection.ConnectAsync(missing, new ClusterSecurity(), CancellationToken.None, ownReader: true).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains(missing, ex.Status.Detail, StringComparison.Ordinal);
        Assert.True(WireClientConnection.OwnReaderCount <= before);
    }
    [Fact]
    public async Task AServerThatClosesMidFrameEndsTheCallsOnTheConnectionAsUnavailable()
    {
        // A raw server: it accepts the hello, reads a little of the first call, sends half a frame and is gone.
        var path = Path.Combine(Path.GetTempPath(), $"raysharp-half-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var server = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync();
            var hello = new byte[6];
            await peer.ReceiveAsync(hello);
            await peer.SendAsync(WirePreamble.Accepted());
            await peer.ReceiveAsync(new byte[64]);
            await peer.SendAsync(new byte[] { 1, 2, 3 });
            peer.Shutdown(SocketShutdown.Both);
        });
        try
        {
            var before = WireClientConnection.OwnReaderCount;
            using var invoker = new WireCallInvoker("unix:" + path, new ClusterSecurity()) { ReadOnOwnThread = true };
            var connection = await invoker.GetConnectionAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(connection.HoldsReaderSlot || before >= WireClientConnection.MaxOwnReaders);
            using var call = new Protocol.CoreWorker.CoreWorkerClient(invoker).PushTasks();
            // The write may already find the connection gone (the server leaves once the call opened): either ends so.
            var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await call.RequestStream.WriteAsync(new TaskBatch()).WaitAsync(TimeSpan.FromSeconds(30));
                await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            });
            Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
            await server.WaitAsync(TimeSpan.FromSeconds(30));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!connection.IsClosed && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            Assert.True(connection.IsClosed);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
