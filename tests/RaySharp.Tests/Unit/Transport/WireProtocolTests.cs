using System.Net.Sockets;
using Grpc.Core;
using RaySharp.Common.Security;
using RaySharp.Common.Transport.Framed;
using RaySharp.Protocol;
using Xunit;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// The RaySharp wire protocol between two real sockets in this process: every call shape the core worker
/// service uses, errors, cancellation, deadlines, the token, and peers that break the protocol.
/// </summary>
public class WireProtocolTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rs-wire-").FullName;
    private readonly TestService _service = new();
    private WireServer _server = null!;

    public Task InitializeAsync()
    {
        _server = Start(new ClusterSecurity());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Methods whose connections get a reader thread of their own (none here; see the subclass).</summary>
    protected virtual IReadOnlyCollection<string>? OwnReaderMethods => null;

    /// <summary>Every connection read by a thread of its own from its first frame, as a core worker's server does.</summary>
    protected virtual bool OwnReaderConnections => false;

    /// <summary>The client's connections read by a thread of their own, as a driver's to its leased workers are.</summary>
    protected virtual bool ClientOwnReader => false;

    private protected WireServer Server => _server;

    private WireServer Start(ClusterSecurity security) =>
        WireServer.Start("unix:" + Path.Combine(_dir, "w.sock"), b => Protocol.CoreWorker.BindService(b, _service), security: security,
            ownReaderMethods: OwnReaderMethods, ownReaderConnections: OwnReaderConnections);

    /// <summary>Pushes one task on a new <c>PushTasks</c> stream and checks its result comes back (the test service echoes it).</summary>
    private protected static async Task PushOneTaskAsync(Protocol.CoreWorker.CoreWorkerClient client, string taskId)
    {
        using var call = client.PushTasks();
        var batch = new TaskBatch();
        batch.Tasks.Add(new TaskSpec { TaskId = Google.Protobuf.ByteString.CopyFromUtf8(taskId) });
        await call.RequestStream.WriteAsync(batch).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(taskId, call.ResponseStream.Current.Results[0].TaskId.ToStringUtf8());
        await call.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private protected WireCallInvoker Invoker(string? token = null) =>
        new(_server.Endpoint, new ClusterSecurity { Token = token }) { ReadOnOwnThread = ClientOwnReader };

    [Fact]
    public async Task UnaryCallsCarryRequestAndReply()
    {
        using var invoker = Invoker();
        var client = new Protocol.CoreWorker.CoreWorkerClient(invoker);
        var reply = await client.CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("abc"), Force = true });
        Assert.Equal("abc:True", reply.Error);
        // Many at once on one connection, each answered with its own reply.
        var replies = await Task.WhenAll(Enumerable.Range(0, 500).Select(i =>
            client.CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8(i.ToString()) }).ResponseAsync));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"{i}:False"), replies.Select(r => r.Error));
    }

    [Fact]
    public async Task DuplexStreamsKeepOrderBothWays()
    {
        using var invoker = Invoker();
        var client = new Protocol.CoreWorker.CoreWorkerClient(invoker);
        using var call = client.PushTasks();
        await call.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(10));
        var reader = Task.Run(async () =>
        {
            var seen = new List<string>();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                seen.AddRange(call.ResponseStream.Current.Results.Select(r => r.TaskId.ToStringUtf8()));
            }
            return seen;
        });
        for (var i = 0; i < 1000; i++)
        {
            var batch = new TaskBatch();
            batch.Tasks.Add(new TaskSpec { TaskId = Google.Protobuf.ByteString.CopyFromUtf8(i.ToString()) });
            await call.RequestStream.WriteAsync(batch);
        }
        await call.RequestStream.CompleteAsync();
        var results = await reader.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i.ToString()), results);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task BigMessagesArriveWhole()
    {
        using var invoker = Invoker();
        var client = new Protocol.CoreWorker.CoreWorkerClient(invoker);
        var big = new byte[20 << 20];
        Random.Shared.NextBytes(big);
        var reply = await client.GetObjectStatusAsync(new GetObjectStatusRequest { ObjectId = Google.Protobuf.ByteString.CopyFrom(big) });
        Assert.True(reply.ObjectId.Span.SequenceEqual(big));
    }

    [Fact]
    public async Task HandlerErrorsBecomeStatuses()
    {
        using var invoker = Invoker();
        var client = new Protocol.CoreWorker.CoreWorkerClient(invoker);
        var rpc = await Assert.ThrowsAsync<RpcException>(async () => await client.KillActorAsync(new ActorRequest()));
        Assert.Equal(StatusCode.FailedPrecondition, rpc.StatusCode);
        Assert.Equal("no actor here", rpc.Status.Detail);
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await client.KillActorAsync(new ActorRequest { ActorId = Google.Protobuf.ByteString.CopyFromUtf8("boom") }));
        Assert.Equal(StatusCode.Unknown, unknown.StatusCode);
        Assert.Contains("InvalidOperationException: boom", unknown.Status.Detail);
        // The connection serves on after errors.
        Assert.Equal("x:False", (await client.CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("x") })).Error);
    }

    [Fact]
    public async Task CancellationAndDeadlinesReachTheHandler()
    {
        using var invoker = Invoker();
        var client = new Protocol.CoreWorker.CoreWorkerClient(invoker);
        using var cts = new CancellationTokenSource();
        var call = client.WatchActor(new ActorRequest(), cancellationToken: cts.Token);
        await _service.Watching.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await _service.WatchEnded.WaitAsync(TimeSpan.FromSeconds(10));

        var timed = client.WatchActor(new ActorRequest(), deadline: DateTime.UtcNow.AddMilliseconds(300));
        ex = await Assert.ThrowsAsync<RpcException>(() => timed.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await _service.WatchEnded.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TheTokenIsCheckedWhenTheConnectionOpens()
    {
        await _server.DisposeAsync();
        _server = Start(new ClusterSecurity { Token = "right-token-0123456789" });
        {
            foreach (var token in new[] { null, "wrong-token-0123456789" })
            {
                using var bad = Invoker(token);
                var ex = await Assert.ThrowsAsync<RpcException>(async () => await new Protocol.CoreWorker.CoreWorkerClient(bad).CancelTaskAsync(new CancelTaskRequest()));
                Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
                Assert.Contains("raysharp get-auth-token", ex.Status.Detail);
            }
            using var good = Invoker("right-token-0123456789");
            Assert.Equal(":False", (await new Protocol.CoreWorker.CoreWorkerClient(good).CancelTaskAsync(new CancelTaskRequest())).Error);
        }
    }

    [Fact]
    public async Task APeerThatClosesMidFrameLosesOnlyItsConnection()
    {
        // A raw client: a valid preamble, then half a frame, then gone.
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_server.Endpoint["unix:".Length..]));
            await socket.SendAsync(WirePreamble.ClientHello(null));
            var answer = new byte[1];
            Assert.Equal(1, await socket.ReceiveAsync(answer));
            Assert.Equal(0, answer[0]);
            await socket.SendAsync(new byte[] { 100, 0, 0, 0, (byte)FrameType.Open, 1, 0, 0, 0, 1, 2 });
        }
        // A server that dies mid-stream: the client's call ends with Unavailable, not a hang.
        using var invoker = Invoker();
        var client = new Protocol.CoreWorker.CoreWorkerClient(invoker);
        var watch = client.WatchActor(new ActorRequest());
        await _service.Watching.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("y:False", (await client.CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("y") })).Error);
        await _server.DisposeAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        // And a server that is not there at all: Unavailable too.
        var gone = await Assert.ThrowsAsync<RpcException>(async () => await client.CancelTaskAsync(new CancelTaskRequest()));
        Assert.Equal(StatusCode.Unavailable, gone.StatusCode);
        _server = Start(new ClusterSecurity());
    }

    [Fact]
    public async Task AClientSlowToSpeakIsServedAndOneThatNeverSpeaksEndsWithTheServer()
    {
        // Slower than the server's wait for readiness wakes (once a second): the hello, then the first call.
        using (var slow = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await slow.ConnectAsync(new UnixDomainSocketEndPoint(_server.Endpoint["unix:".Length..]));
            await Task.Delay(1500);
            await slow.SendAsync(WirePreamble.ClientHello(null));
            var answer = new byte[1];
            Assert.Equal(1, await slow.ReceiveAsync(answer).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(0, answer[0]);
            await Task.Delay(1500);
            var frames = new FrameBuffer();
            frames.AppendOpen(1, null, "/raysharp.CoreWorker/CancelTask");
            frames.AppendMessage(1, new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("slow") },
                Marshallers.Create<CancelTaskRequest>(m => Google.Protobuf.MessageExtensions.ToByteArray(m), CancelTaskRequest.Parser.ParseFrom));
            frames.AppendEmpty(FrameType.HalfClose, 1);
            await slow.SendAsync(frames.Written);
            // Its reply comes back: at least a frame header.
            var reply = new byte[256];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.True(await slow.ReceiveAsync(reply, SocketFlags.None, timeout.Token) >= 9);
        }

        // Connected and never a byte, or accepted and never a call: stopping the server ends both connections, not
        // only the listener.
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await silent.ConnectAsync(new UnixDomainSocketEndPoint(_server.Endpoint["unix:".Length..]));
        using var idle = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await idle.ConnectAsync(new UnixDomainSocketEndPoint(_server.Endpoint["unix:".Length..]));
        await idle.SendAsync(WirePreamble.ClientHello(null));
        var accepted = new byte[1];
        Assert.Equal(1, await idle.ReceiveAsync(accepted).WaitAsync(TimeSpan.FromSeconds(10)));
        await Task.Delay(200);
        await _server.DisposeAsync();
        foreach (var socket in new[] { silent, idle })
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                Assert.Equal(0, await socket.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Closed by the server: a reset is an end too.
            }
        }
        _server = Start(new ClusterSecurity());
    }

    [Fact]
    public async Task BadFramesAndHttpClientsAreRefused()
    {
        foreach (var bytes in new[]
        {
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(),
            [.. WirePreamble.ClientHello(null), 255, 255, 255, 127, (byte)FrameType.Message, 1, 0, 0, 0],
            [.. WirePreamble.ClientHello(null), 0, 0, 0, 0, 99, 1, 0, 0, 0],
            [.. WirePreamble.ClientHello(null), 0, 0, 0, 0, (byte)FrameType.Status, 1, 0, 0, 0],
        })
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_server.Endpoint["unix:".Length..]));
            await socket.SendAsync(bytes);
            var buffer = new byte[64];
            var total = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                int n;
                while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
                {
                    total += n;
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Closed with our unread bytes still queued: a reset instead of an end of stream.
            }
            // Closed by the server (at most its one-byte acceptance was sent first).
            Assert.True(total <= 1);
        }
        using var invoker = Invoker();
        Assert.Equal("z:False", (await new Protocol.CoreWorker.CoreWorkerClient(invoker).CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("z") })).Error);
    }

    private sealed class TestService : Protocol.CoreWorker.CoreWorkerBase
    {
        public SemaphoreSlim Watching { get; } = new(0);

        public SemaphoreSlim WatchEnded { get; } = new(0);

        public override Task<CancelTaskReply> CancelTask(CancelTaskRequest request, ServerCallContext context) =>
            Task.FromResult(new CancelTaskReply { Error = $"{request.TaskId.ToStringUtf8()}:{request.Force}" });

        public override Task<ObjectValue> GetObjectStatus(GetObjectStatusRequest request, ServerCallContext context) =>
            Task.FromResult(new ObjectValue { ObjectId = request.ObjectId });

        public override Task<Empty> KillActor(ActorRequest request, ServerCallContext context) =>
            request.ActorId.IsEmpty
                ? throw new RpcException(new Status(StatusCode.FailedPrecondition, "no actor here"))
                : throw new InvalidOperationException(request.ActorId.ToStringUtf8());

        public override async Task WatchActor(ActorRequest request, IServerStreamWriter<Empty> responseStream, ServerCallContext context)
        {
            Watching.Release();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            finally
            {
                WatchEnded.Release();
            }
        }

        public override async Task PushTasks(IAsyncStreamReader<TaskBatch> requestStream, IServerStreamWriter<TaskResultBatch> responseStream, ServerCallContext context)
        {
            await context.WriteResponseHeadersAsync([]);
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var results = new TaskResultBatch();
                results.Results.AddRange(requestStream.Current.Tasks.Select(t => new TaskResult { TaskId = t.TaskId }));
                await responseStream.WriteAsync(results);
            }
        }
    }
}
