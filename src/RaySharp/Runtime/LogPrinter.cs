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
                Print(call.ResponseStream.Current, Console.Out, Console.Error);
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // The raylet went away or we stopped listening.
        }
    }

    /// <summary>
    /// Prints one batch: first, when the raylet dropped lines because this driver fell behind, a line that
    /// says how many (so missing output is never silent), then each line on stdout or stderr as the worker wrote it.
    /// </summary>
    internal static void Print(LogBatch batch, TextWriter stdout, TextWriter stderr)
    {
        if (batch.DroppedLines > 0)
        {
            stderr.WriteLine(DroppedNotice(batch.DroppedLines));
        }
        foreach (var line in batch.Lines)
        {
            var writer = line.IsError ? stderr : stdout;
            writer.WriteLine(line.Pid == 0 ? line.Text : $"(pid={line.Pid}) {line.Text}");
        }
    }

    internal static string DroppedNotice(long dropped) =>
        $"[raysharp] {dropped} line{(dropped == 1 ? "" : "s")} of worker output dropped (the driver fell behind)";

    public async ValueTask DisposeAsync()
    {
        // Let lines already on their way be printed before the stream is cut.
        await Task.WhenAny(_loop, Task.Delay(100)).ConfigureAwait(false);
        await _cts.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _cts.Dispose();
    }
}
