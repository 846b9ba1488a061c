using System.Diagnostics;
using System.Net.Sockets;
using RaySharp.Common.Security;
using RaySharp.Common.Transport.Framed;
using RaySharp.Protocol;
using Xunit;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// The wire protocol's decoders (frame headers, open and status payloads) fed random and mutated bytes:
/// they may only reject with <see cref="WireProtocolException"/>, never throw anything else, hang, or
/// allocate for a length they have not checked. A sample of the same inputs then goes to a real server
/// socket, which must keep serving a well-behaved client.
/// </summary>
public sealed class WireFrameFuzzTests
{
    private const int Inputs = 100_000;

    [Fact]
    public async Task Random_and_mutated_frames_are_rejected_cleanly()
    {
        var rng = new Random(20261201);
        var valid = ValidStream();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Inputs; i++)
        {
            var input = Input(rng, valid);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            await DecodeAllAsync(input);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            // The reader's own buffer and the payloads it read, never a length it was only told about.
            Assert.True(allocated < (256 << 10) + (4L * input.Length), $"input {i}: {allocated} bytes allocated for {input.Length} bytes of input");
        }
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5), $"{Inputs} inputs took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_server_fed_garbage_keeps_serving()
    {
        var dir = Directory.CreateTempSubdirectory("rs-wirefuzz-").FullName;
        var server = WireServer.Start("unix:" + Path.Combine(dir, "w.sock"), b => Protocol.CoreWorker.BindService(b, new Echo()), security: new ClusterSecurity());
        try
        {
            var rng = new Random(7);
            var valid = ValidStream();
            for (var i = 0; i < 300; i++)
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(server.Endpoint["unix:".Length..]));
                var input = Input(rng, valid);
                // Half the time behind a valid preamble, so the frame decoder (not only the preamble check) sees it.
                var bytes = rng.Next(2) == 0 ? [.. WirePreamble.ClientHello(null), .. input] : input;
                try
                {
                    await socket.SendAsync(bytes);
                }
                catch (SocketException)
                {
                    // Closed by the server before all of it went: that is a rejection too.
                }
            }
            using var invoker = new WireCallInvoker(server.Endpoint, new ClusterSecurity());
            var reply = await new Protocol.CoreWorker.CoreWorkerClient(invoker).CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("ok") })
                .ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("ok", reply.Error);
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task DecodeAllAsync(byte[] input)
    {
        var reader = new FrameReader(new MemoryStream(input, writable: false));
        try
        {
            while (await reader.ReadAsync(CancellationToken.None) is { } frame)
            {
                switch (frame.Header.Type)
                {
                    case FrameType.Open:
                        OpenFrame.Read(frame.Payload);
                        break;
                    case FrameType.Status:
                        StatusFrame.Read(frame.Payload);
                        break;
                }
            }
        }
        catch (WireProtocolException)
        {
        }
    }

    /// <summary>A valid conversation: opens, messages, half-closes, statuses, pings.</summary>
    private static byte[] ValidStream()
    {
        var buffer = new FrameBuffer();
        buffer.AppendOpen(1, DateTime.UtcNow.AddSeconds(5), "/raysharp.CoreWorker/CancelTask");
        buffer.AppendMessage(1, new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8("abc") }, Marshaller());
        buffer.AppendEmpty(FrameType.HalfClose, 1);
        buffer.AppendStatus(1, new Grpc.Core.Status(Grpc.Core.StatusCode.NotFound, "gone"));
        buffer.AppendEmpty(FrameType.Ping, 0);
        buffer.AppendEmpty(FrameType.Cancel, 1);
        return buffer.Written.ToArray();
    }

    private static Grpc.Core.Marshaller<CancelTaskRequest> Marshaller() =>
        Grpc.Core.Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), CancelTaskRequest.Parser.ParseFrom);

    private static byte[] Input(Random rng, byte[] valid)
    {
        switch (rng.Next(4))
        {
            case 0:
            {
                var bytes = new byte[rng.Next(0, 64)];
                rng.NextBytes(bytes);
                return bytes;
            }
            case 1:
            {
                // The valid stream cut short: a peer that closes mid-frame.
                return valid[..rng.Next(0, valid.Length)];
            }
            default:
            {
                // The valid stream with a few bytes flipped, inserted or removed.
                var bytes = new List<byte>(valid);
                for (var k = rng.Next(1, 5); k > 0 && bytes.Count > 0; k--)
                {
                    var at = rng.Next(bytes.Count);
                    switch (rng.Next(3))
                    {
                        case 0:
                            bytes[at] = (byte)rng.Next(256);
                            break;
                        case 1:
                            bytes.Insert(at, (byte)rng.Next(256));
                            break;
                        default:
                            bytes.RemoveAt(at);
                            break;
                    }
                }
                return [.. bytes];
            }
        }
    }

    private sealed class Echo : Protocol.CoreWorker.CoreWorkerBase
    {
        public override Task<CancelTaskReply> CancelTask(CancelTaskRequest request, Grpc.Core.ServerCallContext context) =>
            Task.FromResult(new CancelTaskReply { Error = request.TaskId.ToStringUtf8() });
    }
}
