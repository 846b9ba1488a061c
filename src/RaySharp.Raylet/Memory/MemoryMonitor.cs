using System.Globalization;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Memory;

/// <summary>
/// Ray's memory monitor: every refresh it measures memory, and above the threshold it kills one leased
/// worker (<see cref="OomVictimPolicy"/>) before the kernel's OOM killer picks a process on its own —
/// which could be the raylet, the GCS or a driver. The cause is recorded first, so the task's owner
/// learns it (<see cref="WorkerFailureCauses"/>) and retries the task or fails it with an out-of-memory error.
/// </summary>
/// <remarks>
/// One kill at a time: after a kill nothing else dies until the victim has exited and its memory is
/// measured as freed (a process being torn down still holds its pages), or a few seconds passed.
/// </remarks>
internal sealed class MemoryMonitor : IAsyncDisposable
{
    /// <summary>How long a killed worker may take to exit before the next kill is allowed anyway.</summary>
    private static readonly TimeSpan s_killGrace = TimeSpan.FromSeconds(5);

    private readonly IMemoryUsageReader _reader;
    private readonly double _threshold;
    private readonly Func<Lease?> _victims;
    private readonly WorkerFailureCauses _causes;
    private readonly Action<ClusterEvent> _events;
    private readonly string _nodeIp;
    private readonly UniqueId _nodeId;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private WorkerProcess? _lastVictim;
    private DateTime _lastKill;
    private bool _warnedNothingToKill;

    public MemoryMonitor(IMemoryUsageReader reader, double threshold, TimeSpan refresh, Func<Lease?> victims, WorkerFailureCauses causes,
        Action<ClusterEvent> events, string nodeIp, UniqueId nodeId, ILogger logger)
    {
        _events = events;
        _reader = reader;
        _threshold = threshold;
        _victims = victims;
        _causes = causes;
        _nodeIp = nodeIp;
        _nodeId = nodeId;
        _logger = logger;
        _loop = RunAsync(refresh);
    }

    private async Task RunAsync(TimeSpan refresh)
    {
        using var timer = new PeriodicTimer(refresh);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    Check();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One failed reading (a racing process exit, say) must not end the monitor.
                    RayletLog.MemoryMonitorFailed(_logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One refresh: measure, and kill one worker when above the threshold.</summary>
    private void Check()
    {
        if (_lastVictim is { IsDead: false } && DateTime.UtcNow - _lastKill < s_killGrace)
        {
            return;
        }
        _lastVictim = null;
        // Strictly above, as Ray compares: a threshold of 1 never kills.
        if (_reader.Read() is not { } usage || usage.Fraction <= _threshold)
        {
            _warnedNothingToKill = false;
            return;
        }
        if (_victims() is not { } lease)
        {
            if (!_warnedNothingToKill)
            {
                _warnedNothingToKill = true;
                RayletLog.MemoryHighNothingToKill(_logger, usage.ToString(), _threshold);
            }
            return;
        }
        var worker = lease.Worker;
        var workerBytes = ProcessTreeMemoryReader.PrivateBytes(worker.Pid);
        var message = Describe(lease, usage, workerBytes);
        _causes.Record(worker.Id, ErrorKind.OutOfMemory, message);
        _events(new ClusterEvent
        {
            Severity = "ERROR",
            EventType = "WORKER_KILLED_FOR_MEMORY",
            WorkerId = worker.Id.ToByteString(),
            Pid = worker.Pid,
            TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Message = message,
        });
        RayletLog.OomKill(_logger, worker.Pid, lease.FunctionName, lease.Id.ToString(), lease.Retriable, usage.ToString(), _threshold, workerBytes ?? 0);
        _lastVictim = worker;
        _lastKill = DateTime.UtcNow;
        try
        {
            worker.Process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
        }
    }

    /// <summary>The error the task's owner reports: Ray's OutOfMemoryError text, naming the node, its usage and the threshold.</summary>
    private string Describe(Lease lease, MemorySnapshot usage, long? workerBytes)
    {
        var used = workerBytes is { } b ? string.Create(CultureInfo.InvariantCulture, $", memory used={b / 1e9:0.00} GB") : "";
        var which = lease.Retriable ? "the most recently scheduled task that could be retried" : "the most recently scheduled task (none that could be retried was running)";
        var where = string.Create(CultureInfo.InvariantCulture,
            $"{_reader.Scope} (IP: {_nodeIp}, ID: {_nodeId}) where the task (name={lease.FunctionName}, pid={lease.Worker.Pid}{used}) was running was {usage}");
        var threshold = _threshold.ToString(CultureInfo.InvariantCulture);
        return $"Task was killed due to the node running low on memory. {where}, which exceeds the memory usage threshold of {threshold}. " +
            $"The raylet killed this worker (ID: {lease.Worker.Id}) because it was {which}. " +
            "To make this less likely, run fewer such tasks at once on a node (ask more CPUs of each), use less memory per task, " +
            "or raise the threshold with `raysharp start --memory-usage-threshold`.";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
