using RaySharp.Common.Ids;

namespace RaySharp.Runtime;

/// <summary>What a core worker needs to know about where it runs.</summary>
internal sealed record CoreWorkerOptions
{
    public required bool IsDriver { get; init; }

    public required UniqueId WorkerId { get; init; }

    public required UniqueId NodeId { get; init; }

    public required string RayletEndpoint { get; init; }

    /// <summary>
    /// Where the raylet serves its workers over the RaySharp wire protocol (null: use gRPC). A worker then calls
    /// its raylet without the HTTP/2 client stack, whose first use cost a worker ~170 ms and a few MB to start.
    /// </summary>
    public string? RayletWireEndpoint { get; init; }

    public required string GcsEndpoint { get; init; }

    public required string SocketDirectory { get; init; }

    public string Namespace { get; init; } = "";

    /// <summary>
    /// Whether this process reports its metrics to its raylet: a worker when its raylet exports metrics (it says so
    /// in the worker's environment), a driver of the embedded cluster when <see cref="RayConfig.MetricsExportPort"/>
    /// is set, a driver that joins a cluster when its node's /metrics is on (the GCS's node table says).
    /// </summary>
    public bool ReportMetrics { get; init; }

    /// <summary>
    /// The GCS this process hosts (the driver of an embedded cluster), taking serialized task event batches straight
    /// from <see cref="TaskEventBuffer"/>'s buffer: the driver's events, most of a program's, then cost no call and no
    /// copy. Null: batches go to the node's raylet, which forwards them.
    /// </summary>
    public TaskEventSink? LocalTaskEvents { get; init; }

    /// <summary>The driver's own logger factory (<see cref="RayConfig.LoggerFactory"/>), not owned; null opens <see cref="RuntimeLog"/>.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }
}
