using Microsoft.Extensions.Logging;

namespace RaySharp.Raylet;

/// <summary>The raylet's log messages (source-generated: no formatting cost when the level is off).</summary>
internal static partial class RayletLog
{
    [LoggerMessage(1, LogLevel.Information, "Started worker process {Pid} for {Launch}")]
    public static partial void WorkerStarted(ILogger logger, int pid, string launch);

    [LoggerMessage(2, LogLevel.Information, "Worker process {Pid} registered at {Endpoint}")]
    public static partial void WorkerRegistered(ILogger logger, int pid, string endpoint);

    [LoggerMessage(3, LogLevel.Information, "Worker process {Pid} exited")]
    public static partial void WorkerExited(ILogger logger, int pid);

    [LoggerMessage(4, LogLevel.Debug, "Lease {LeaseId} granted: worker {Pid}, {Demand}")]
    public static partial void LeaseGranted(ILogger logger, string leaseId, int pid, string demand);

    [LoggerMessage(5, LogLevel.Information, "Lease {LeaseId} returned with its worker {Pid} dead")]
    public static partial void LeaseReturnedDead(ILogger logger, string leaseId, int pid);

    [LoggerMessage(6, LogLevel.Warning, "No node can run {Function}: it needs {Demand}, the node has {Total}")]
    public static partial void Infeasible(ILogger logger, string function, string demand, string total);

    [LoggerMessage(7, LogLevel.Warning, "Shared memory cannot hold an object store of {Bytes} bytes: it is memory-mapped from {Directory} instead, which is slower")]
    public static partial void StoreFallback(ILogger logger, string directory, long bytes);

    [LoggerMessage(8, LogLevel.Warning, "The GCS does not know this node (it restarted): registering again")]
    public static partial void Reregistering(ILogger logger);

    [LoggerMessage(9, LogLevel.Error, "This node shuts down: {Reason}")]
    public static partial void NodeEnded(ILogger logger, string reason);

    [LoggerMessage(10, LogLevel.Warning, "The first cluster view from the GCS at {Gcs} failed after registering: it is retried every report period ({Reason})")]
    public static partial void FirstViewFailed(ILogger logger, string gcs, string reason);

    [LoggerMessage(11, LogLevel.Warning, "Memory monitor: killing worker process {Pid} running {Function} (lease {LeaseId}, retriable: {Retriable}, worker memory {WorkerBytes} bytes): memory usage {Usage} exceeds the threshold {Threshold}")]
    public static partial void OomKill(ILogger logger, int pid, string function, string leaseId, bool retriable, string usage, double threshold, long workerBytes);

    [LoggerMessage(12, LogLevel.Warning, "Memory monitor: memory usage {Usage} exceeds the threshold {Threshold}, but no leased worker is left to kill")]
    public static partial void MemoryHighNothingToKill(ILogger logger, string usage, double threshold);

    [LoggerMessage(13, LogLevel.Warning, "Memory monitor: a refresh failed: {Reason}")]
    public static partial void MemoryMonitorFailed(ILogger logger, string reason);

    [LoggerMessage(14, LogLevel.Information, "Memory monitor: {Scope} is watched every {RefreshMs} ms, threshold {Threshold}")]
    public static partial void MemoryMonitorStarted(ILogger logger, string scope, double refreshMs, double threshold);

    [LoggerMessage(15, LogLevel.Warning, "Worker process {Pid} was killed before it registered; another is started in its place")]
    public static partial void WorkerKilledWhileStarting(ILogger logger, int pid);

    [LoggerMessage(16, LogLevel.Information, "Placement group {Group}: {Count} bundle(s) prepared")]
    public static partial void BundlesPrepared(ILogger logger, string group, int count);

    [LoggerMessage(17, LogLevel.Information, "Placement group {Group}: bundles given back; {Leases} lease(s) ended, {Waiting} queued request(s) failed")]
    public static partial void BundlesCancelled(ILogger logger, string group, int leases, int waiting);

    [LoggerMessage(18, LogLevel.Warning, "The runtime env of {Function} could not be set up: {Reason}")]
    public static partial void RuntimeEnvSetupFailed(ILogger logger, string function, string reason);

    [LoggerMessage(19, LogLevel.Warning, "Pull of object {ObjectId} from node {NodeId} failed ({Why})")]
    public static partial void PullFromHolderFailed(ILogger logger, string objectId, string nodeId, string why);

    [LoggerMessage(43, LogLevel.Error, "Serving a transfer connection failed ({Type}: {Message}); the connection is closed")]
    public static partial void TransferFailed(ILogger logger, string type, string message);

    // Memory admission: 40–49.
    [LoggerMessage(40, LogLevel.Warning, "Memory admission: {Function} waits for a worker process: {Budget}; it stays pending until memory frees")]
    public static partial void WorkerStartDeferred(ILogger logger, string function, string budget);

    [LoggerMessage(41, LogLevel.Information, "Memory admission: a worker process may use {WorkerBytes} bytes of {Scope}, starts stay below the threshold {Threshold}")]
    public static partial void AdmissionStarted(ILogger logger, long workerBytes, string scope, double threshold);

    [LoggerMessage(42, LogLevel.Information, "Memory admission: stopping idle worker process {Pid} to make room for a worker of {Function}")]
    public static partial void IdleWorkerStoppedForMemory(ILogger logger, int pid, string function);
}
