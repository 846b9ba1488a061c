using RaySharp.Protocol;
using Xunit;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// Every wire protocol case again, read the way a core worker's server reads: each connection by a thread of its own
/// from its first frame (up to the server's cap), whatever its first call, and pushed tasks handled on that thread.
/// </summary>
public sealed class WireOwnReaderConnectionTests : WireProtocolTests
{
    protected override IReadOnlyCollection<string> OwnReaderMethods => [Runtime.CoreWorker.PushTasksMethod];

    protected override bool OwnReaderConnections => true;

    [Fact]
    public async Task UnaryCallsBeforePushedTasksAndConnectionsPastTheCapAreAllServedAndGiveTheirSlotsBack()
    {
        // More connections than the server reads on threads of their own (32): the rest are read as before.
        var invokers = Enumerable.Range(0, 40).Select(_ => Invoker()).ToList();
        try
        {
            await Task.WhenAll(invokers.Select(async (invoker, i) =>
            {
                var client = new Protocol.CoreWorker.CoreWorkerClient(invoker);
                // An actor's worker hears CreateActor before its calls' PushTasks, on the same connection.
                var reply = await client.CancelTaskAsync(new CancelTaskRequest { TaskId = Google.Protobuf.ByteString.CopyFromUtf8($"c{i}") })
                    .ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal($"c{i}:False", reply.Error);
                await PushOneTaskAsync(client, $"t{i}");
            }));
            // All 40 still open: 32 hold a reader slot.
            Assert.Equal(32, Server.OwnReaderConnectionCount);
        }
        finally
        {
            foreach (var invoker in invokers)
            {
                invoker.Dispose();
            }
        }
        // Each connection gives its slot back as it ends.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Server.OwnReaderConnectionCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, Server.OwnReaderConnectionCount);
    }
}
