using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>
/// Decides when a node is dead (Ray's GCS health checks), two ways. A crash is seen at once: the
/// raylet's lifeline call breaks, and a probe of its port is refused. Silence is judged slowly: only a
/// node that sent no report for <see cref="GcsOptions.HealthCheckTimeout"/> (30 s by default) is
/// declared dead, so a raylet that is paused (SIGSTOP) or starved on a loaded machine survives.
/// </summary>
internal sealed class NodeHealthChecker : IDisposable
{
    /// <summary>A probe of a live raylet answers in microseconds; one that takes this long is not refused, just slow.</summary>
    private static readonly TimeSpan s_probeDeadline = TimeSpan.FromSeconds(1.5);

    private readonly GcsTables _tables;
    private readonly GcsOptions _options;
    private readonly ILogger _logger;
    private readonly Timer _timer;

    public NodeHealthChecker(GcsTables tables, GcsOptions options, ILogger<NodeHealthChecker> logger)
    {
        _tables = tables;
        _options = options;
        _logger = logger;
        _timer = new Timer(_ => Check(), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
    }

    private long _lastCheck = Environment.TickCount64;

    private void Check()
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Exchange(ref _lastCheck, now) > 5_000)
        {
            // This GCS itself was paused (a debugger, a stopped process, a starved machine): the silence
            // it would see is its own, so every node starts its count again.
            foreach (var id in _tables.LastReport.Keys)
            {
                _tables.LastReport[id] = now;
            }
            return;
        }
        foreach (var (id, node) in _tables.Nodes)
        {
            if (node.Alive && _tables.LastReport.TryGetValue(id, out var last) && now - last > _options.HealthCheckTimeout.TotalMilliseconds)
            {
                var silent = (now - last) / 1000.0;
                if (_tables.MarkDead(id, $"The node sent nothing for {silent:0.#} s (health-check timeout {_options.HealthCheckTimeout.TotalSeconds:0.#} s): " +
                    "its raylet is hung, paused or cut off from the GCS."))
                {
                    GcsLog.NodeSilent(_logger, id.ToString(), node.RayletEndpoint, silent);
                }
            }
        }
    }

    /// <summary>
    /// A raylet's lifeline call ended without the raylet unregistering. If its port now refuses
    /// connections the process is gone and the node is dead now; if the probe only times out, the
    /// raylet may be paused, and silence decides.
    /// </summary>
    public async Task OnLifelineLostAsync(UniqueId id)
    {
        if (!_tables.Nodes.TryGetValue(id, out var node) || !node.Alive)
        {
            return;
        }
        var raylet = new NodeManager.NodeManagerClient(ChannelPool.Get(node.RayletEndpoint));
        try
        {
            await raylet.GetResourcesAsync(new Empty(), deadline: DateTime.UtcNow + s_probeDeadline).ConfigureAwait(false);
            // It answers: only its connection to this GCS broke, and it will open a new lifeline.
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            if (_tables.MarkDead(id, $"The raylet's connection to the GCS broke and its address {node.RayletEndpoint} refuses connections: " +
                "the raylet process died."))
            {
                GcsLog.NodeCrashed(_logger, id.ToString(), node.RayletEndpoint);
            }
        }
        catch (RpcException ex)
        {
            GcsLog.NodeUnresponsive(_logger, id.ToString(), node.RayletEndpoint, ex.StatusCode.ToString());
        }
    }

    public void Dispose() => _timer.Dispose();
}
