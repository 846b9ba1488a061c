using System.Collections.Concurrent;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// What this process knows of node deaths (Ray's core worker subscription to node changes). Each node
/// this process waits on has a token that is cancelled when the GCS declares the node dead, so leases,
/// pushed tasks and other waits on a dead node end at once — even when the node is only paused and its
/// connections stay open. The subscription opens at the first use and reopens after a GCS restart.
/// </summary>
internal sealed class NodeDeathWatcher(Protocol.Gcs.GcsClient gcs) : IDisposable
{
    private static readonly TimeSpan s_retry = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<UniqueId, CancellationTokenSource> _nodes = new();
    private readonly ConcurrentDictionary<UniqueId, string> _dead = new();
    private readonly CancellationTokenSource _stop = new();
    private int _started;

    /// <summary>A token cancelled when <paramref name="nodeId"/> dies (already cancelled if it is dead).</summary>
    public CancellationToken TokenFor(UniqueId nodeId)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _ = Task.Run(WatchAsync);
        }
        var cts = _nodes.GetOrAdd(nodeId, _ => new CancellationTokenSource());
        if (_dead.ContainsKey(nodeId))
        {
            cts.Cancel();
        }
        return cts.Token;
    }

    /// <summary>Why the node died, if the GCS said it did.</summary>
    public string? DeathCause(UniqueId nodeId) => _dead.TryGetValue(nodeId, out var cause) ? cause : null;

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var call = gcs.WatchNodes(new Empty(), cancellationToken: _stop.Token);
                while (await call.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
                {
                    var node = call.ResponseStream.Current;
                    if (!node.Alive)
                    {
                        OnDead(UniqueId.FromByteString(node.NodeId), node.DeathCause);
                    }
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
            try
            {
                // The GCS restarted or is down: subscribe again (the first message is a full snapshot).
                await Task.Delay(s_retry, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private void OnDead(UniqueId nodeId, string cause)
    {
        _dead[nodeId] = cause.Length > 0 ? cause : "dead";
        if (_nodes.TryGetValue(nodeId, out var cts))
        {
            try
            {
                cts.Cancel();
            }
            catch (AggregateException)
            {
                // A waiter's callback failed; the others still ran.
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
