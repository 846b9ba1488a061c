using Grpc.Core;
using RaySharp.Protocol;
using Xunit;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// Every wire protocol case again, with pushed tasks read the way a worker reads them: a connection that opens
/// PushTasks moves its reads to a thread of its own, and the stream's messages reach the handler on that thread.
/// </summary>
public sealed class WireOwnReaderTests : WireProtocolTests
{
    // The worker's own name for the method: the server refuses to start with a name it does not serve.
    protected override IReadOnlyCollection<string> OwnReaderMethods => [Runtime.CoreWorker.PushTasksMethod];

    [Fact]
    public async Task AConnectionWithItsOwnReaderServesEveryCallAndEndsWithTheServer()
    {
        var before = ReaderThreads();
        using var invoker = Invoker();
        var client = new Protocol.CoreWorker.CoreWorkerClient(invoker);
        using var call = client.PushTasks();
        await call.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(10));
        for (var round = 0; round < 3; round++)
        {
            var batch = new TaskBatch();
            batch.Tasks.Add(new TaskSpec { TaskId = Google.Protobuf.ByteString.CopyFromUtf8($"t{round}") });
            await call.RequestStream.WriteAsync(batch);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal($"t{round}", call.ResponseStream.Current.Results[0].TaskId.ToStringUtf8());
            // Other calls on the same connection, now read by that thread, are served on the pool as before.
            var reply = await client.CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8($"c{round}") })
                .ResponseAsync.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal($"c{round}:False", reply.Error);
        }
        Assert.True(ReaderThreads() > before, "the connection's reads did not move to a thread of their own");

        // The server stops while its reader thread waits for bytes: the thread ends and the stream breaks.
        await Server.DisposeAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ReaderThreads() > before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(ReaderThreads() <= before, "the reader thread outlived its connection");
    }

    // Threads of this process named as the connection's reader (Linux truncates a thread's name to 15 bytes).
    private static int ReaderThreads()
    {
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith("RaySharp wire r", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The thread ended while listed.
            }
        }
        return count;
    }
}
