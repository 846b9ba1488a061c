using Grpc.Core;
using RaySharp.Common.Configuration;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime.Metrics;

/// <summary>
/// Sends this process's metrics to its node's raylet about once a second (Ray's metrics_report_interval_ms,
/// <c>RAYSHARP_METRICS_REPORT_INTERVAL_MS</c>): the task counts and the user metrics that changed, in one
/// <c>NodeManager.ReportMetrics</c> call over the wire protocol, as task events go. Nothing is sent when nothing
/// changed. A report the raylet did not take puts its task counts back for the next one; its user metric changes
/// are lost (the raylet is going away with the node's /metrics anyway).
/// </summary>
internal sealed class MetricsReporter : IAsyncDisposable
{
    private readonly CoreWorker _worker;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly Task? _loop;

    public MetricsReporter(CoreWorker worker, bool enabled)
    {
        _worker = worker;
        var interval = EnvironmentSettings.Count("RAYSHARP_METRICS_REPORT_INTERVAL_MS", 0, 3_600_000) ?? 1_000;
        Counters = new TaskCounters(enabled && interval > 0);
        if (Counters.Enabled)
        {
            _loop = RunAsync(TimeSpan.FromMilliseconds(interval));
        }
    }

    /// <summary>The task counts this process keeps for the node's /metrics.</summary>
    public TaskCounters Counters { get; }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await FlushAsync(RpcDeadlines.Control()).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task FlushAsync(DateTime deadline)
    {
        await _flushing.WaitAsync().ConfigureAwait(false);
        try
        {
            var tasks = Counters.Drain();
            var user = UserMetricRegistry.Drain();
            if (tasks is null && user.Count == 0)
            {
                return;
            }
            var report = new MetricsReport { WorkerId = _worker.Address.WorkerId, Tasks = tasks, UserMetrics = { user } };
            try
            {
                await _worker.Raylet.ReportMetricsAsync(report, deadline: deadline).ConfigureAwait(false);
            }
            catch (RpcException)
            {
                if (tasks is not null)
                {
                    Counters.Restore(tasks);
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Sends what is left now, waiting at most <paramref name="timeout"/> (a worker about to exit).</summary>
    public void Flush(TimeSpan timeout)
    {
        if (Counters.Enabled)
        {
            FlushAsync(DateTime.UtcNow + timeout).Wait(timeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_loop is null)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await FlushAsync(DateTime.UtcNow.AddSeconds(1)).ConfigureAwait(false);
        _stop.Dispose();
    }
}
