using Google.Protobuf;
using Prometheus;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Metrics;

/// <summary>
/// The node's Prometheus registry (Ray's per-node metrics agent): Ray's core series under <c>raysharp_</c> names
/// and the user metrics of the node's workers and drivers, added up from their reports
/// (<see cref="Apply"/>). What the raylet itself knows — workers, queues, the object store, the node's CPU and
/// memory, actors placed here — is read when Prometheus scrapes, so it costs nothing between scrapes. A registry
/// of its own per raylet, so the embedded cluster and tests that run several raylets in one process keep them apart.
/// </summary>
internal sealed class NodeMetrics
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ByteString, (long Running, long ActorRunning)> _runningByWorker = [];
    private readonly Gauge _tasks;
    private readonly Counter _submitted;
    private readonly Counter _reportErrors;

    public NodeMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _tasks = Factory.CreateGauge("raysharp_tasks",
            "Tasks and actor calls by state, as Ray's ray_tasks: RUNNING now on this node; FINISHED and FAILED ran here since the node started.",
            ["State", "Type"]);
        _submitted = Factory.CreateCounter("raysharp_tasks_submitted_total",
            "Tasks and actor calls submitted by this node's drivers and workers (first attempts).", ["Type"]);
        _reportErrors = Factory.CreateCounter("raysharp_metrics_report_errors_total",
            "User metric series the node could not add (the same name reported with another kind, tag keys or boundaries).");
        UserMetrics = new UserMetricSink(Factory, _reportErrors);
        RpcLatency = new RpcLatency(Factory);
    }

    /// <summary>What /metrics serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Creates series in <see cref="Registry"/>.</summary>
    public IMetricFactory Factory { get; }

    /// <summary>The user metrics (Ray.Metrics) of the node's processes.</summary>
    public UserMetricSink UserMetrics { get; }

    /// <summary>How long the raylet's RPC handlers take.</summary>
    public RpcLatency RpcLatency { get; }

    /// <summary>Adds a worker's or driver's report: its task counts since the last one and its user metrics.</summary>
    public void Apply(MetricsReport report)
    {
        if (report.Tasks is { } t)
        {
            _submitted.WithLabels("NORMAL_TASK").Inc(t.Submitted);
            _submitted.WithLabels("ACTOR_TASK").Inc(t.ActorCallsSubmitted);
            _tasks.WithLabels("FINISHED", "NORMAL_TASK").Inc(t.Finished);
            _tasks.WithLabels("FAILED", "NORMAL_TASK").Inc(t.Failed);
            _tasks.WithLabels("FINISHED", "ACTOR_TASK").Inc(t.ActorCallsFinished);
            _tasks.WithLabels("FAILED", "ACTOR_TASK").Inc(t.ActorCallsFailed);
            lock (_lock)
            {
                _runningByWorker[report.WorkerId] = (t.Running, t.ActorCallsRunning);
                SetRunningLocked();
            }
        }
        UserMetrics.Apply(report.UserMetrics);
    }

    /// <summary>A worker exited: what it was running is not running any more (it may have died without a last report).</summary>
    public void WorkerExited(UniqueId workerId)
    {
        lock (_lock)
        {
            if (_runningByWorker.Remove(workerId.ToByteString()))
            {
                SetRunningLocked();
            }
        }
    }

    private void SetRunningLocked()
    {
        long running = 0, actorRunning = 0;
        foreach (var (r, a) in _runningByWorker.Values)
        {
            running += r;
            actorRunning += a;
        }
        _tasks.WithLabels("RUNNING", "NORMAL_TASK").Set(running);
        _tasks.WithLabels("RUNNING", "ACTOR_TASK").Set(actorRunning);
    }
}
