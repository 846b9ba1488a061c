using Grpc.Core;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>Prints what workers write, prefixed with their pid as Ray does: "(pid=123) text".</summary>
internal sealed class LogPrinter : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;

    public LogPrinter(NodeManager.NodeManagerClient raylet, Google.Protobuf.ByteString jobId)
    {
        _loop = RunAsync(raylet, jobId, _cts.Token);
    }

    private static async Task RunAsync(NodeManager.NodeManagerClient raylet, Google.Protobuf.ByteString jobId, CancellationToken cancellationToken)
    {
        try
        {
            using var call = raylet.SubscribeLogs(new SubscribeLogsRequest { JobId = jobId }, cancellationToken: cancellationToken);
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                foreach (var line in call.ResponseStream.Current.Lines)
                {
                    var writer = line.IsError ? Console.Error : Console.Out;
                    writer.WriteLine(line.Pid == 0 ? line.Text : $"(pid={line.Pid}) {line.Text}");
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // The raylet went away or we stopped listening.
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Let lines already on their way be printed before the stream is cut.
        await Task.WhenAny(_loop, Task.Delay(100)).ConfigureAwait(false);
        await _cts.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _cts.Dispose();
    }
}
