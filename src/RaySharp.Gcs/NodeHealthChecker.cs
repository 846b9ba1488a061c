using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;

namespace RaySharp.Gcs;

/// <summary>
/// Marks nodes dead that stopped sending their resource reports (Ray's GCS health checks): a raylet
/// reports every 250 ms, so a few seconds of silence means its process is gone or cut off.
/// </summary>
internal sealed class NodeHealthChecker : IDisposable
{
    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(3);

    private readonly GcsTables _tables;
    private readonly ILogger _logger;
    private readonly Timer _timer;

    public NodeHealthChecker(GcsTables tables, ILogger<NodeHealthChecker> logger)
    {
        _tables = tables;
        _logger = logger;
        _timer = new Timer(_ => Check(), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
    }

    private void Check()
    {
        var now = Environment.TickCount64;
        foreach (var (id, node) in _tables.Nodes)
        {
            if (node.Alive && _tables.LastReport.TryGetValue(id, out var last) && now - last > DeadAfter.TotalMilliseconds)
            {
                _tables.MarkDead(id, $"no resource report for {(now - last) / 1000.0:0.#} s (the raylet died or cannot reach the GCS)");
                GcsLog.NodeDead(_logger, id.ToString(), node.RayletEndpoint);
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
