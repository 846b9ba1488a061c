using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// This node's membership in the cluster, as the GCS sees it. It registers the node, holds the lifeline
/// call by which the GCS sees a crash at once, registers again when a restarted GCS does not know the
/// node, and ends the node (<see cref="Ended"/>) when the GCS declared it dead — it was paused or cut
/// off too long, its tasks already ran elsewhere, so it must not go on (no split brain) — or when no
/// GCS answered for <see cref="RpcDeadlines.GcsReconnectTimeout"/>.
/// </summary>
public sealed class NodeMembership : IAsyncDisposable
{
    private static readonly TimeSpan s_retry = TimeSpan.FromSeconds(1);

    private readonly Gcs.GcsClient _gcs;
    private readonly NodeInfo _info;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastContact = Environment.TickCount64;
    private int _reregistering;
    private Task? _lifeline;

    public NodeMembership(string gcsEndpoint, NodeInfo info, ILogger logger)
    {
        _gcs = new Gcs.GcsClient(ChannelPool.Get(gcsEndpoint));
        _info = info;
        _logger = logger;
    }

    public UniqueId NodeId => UniqueId.FromByteString(_info.NodeId);

    /// <summary>Completes with the reason when this node must shut down on its own.</summary>
    public Task<string> Ended => _ended.Task;

    public async Task RegisterAsync(CancellationToken cancellationToken)
    {
        await _gcs.RegisterNodeAsync(_info, deadline: RpcDeadlines.Control(), cancellationToken: cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastContact, Environment.TickCount64);
        _lifeline ??= Task.Run(HoldLifelineAsync);
    }

    /// <summary>
    /// Joins the cluster: a GCS that is restarting is waited for, within the reconnect window (60 s),
    /// then <see cref="GcsUnreachableException"/> says that none answered.
    /// </summary>
    public async Task JoinAsync(string gcsEndpoint, CancellationToken cancellationToken)
    {
        var giveUp = DateTime.UtcNow + RpcDeadlines.GcsReconnectTimeout;
        while (true)
        {
            try
            {
                await RegisterAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.FailedPrecondition)
            {
                throw new NodeRefusedException($"The GCS at {gcsEndpoint} refused this node: {ex.Status.Detail}", ex);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                if (DateTime.UtcNow >= giveUp)
                {
                    throw new GcsUnreachableException(
                        $"No GCS answered at {gcsEndpoint} for {RpcDeadlines.GcsReconnectTimeout.TotalSeconds:0} s ({ex.Status.Detail}): is the head node running, and is that its address?", ex);
                }
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>What the GCS answered to a resource report (the heartbeat), or null when it did not answer.</summary>
    public void OnReport(NodeStatus? status)
    {
        var now = Environment.TickCount64;
        switch (status)
        {
            case NodeStatus.NodeAlive:
                Volatile.Write(ref _lastContact, now);
                break;
            case NodeStatus.NodeDead:
                End("The GCS declared this node dead (it was silent longer than the health-check timeout); " +
                    "its tasks and actors were moved to other nodes, so it shuts down.");
                break;
            case NodeStatus.NodeUnknown:
                Volatile.Write(ref _lastContact, now);
                if (Interlocked.Exchange(ref _reregistering, 1) == 0)
                {
                    _ = ReregisterAsync();
                }
                break;
            case null:
                if (now - Volatile.Read(ref _lastContact) > RpcDeadlines.GcsReconnectTimeout.TotalMilliseconds)
                {
                    End($"No GCS answered for {RpcDeadlines.GcsReconnectTimeout.TotalSeconds:0} s: the cluster is gone, so this node shuts down.");
                }
                break;
        }
    }

    private async Task ReregisterAsync()
    {
        try
        {
            RayletLog.Reregistering(_logger);
            await RegisterAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
        {
            End("The GCS refused this node: " + ex.Status.Detail);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // Tried again at the next report that comes back unknown.
        }
        finally
        {
            Volatile.Write(ref _reregistering, 0);
        }
    }

    /// <summary>Keeps one lifeline call open to the GCS, opening a new one whenever it breaks.</summary>
    private async Task HoldLifelineAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var call = _gcs.NodeLifeline(new NodeLifelineRequest { NodeId = _info.NodeId }, cancellationToken: _stop.Token);
                while (await call.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
                {
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
            {
            }
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await Task.Delay(s_retry, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void End(string reason)
    {
        if (_ended.TrySetResult(reason))
        {
            RayletLog.NodeEnded(_logger, reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_lifeline is not null)
        {
            await _lifeline.ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
