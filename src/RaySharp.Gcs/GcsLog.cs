using Microsoft.Extensions.Logging;

namespace RaySharp.Gcs;

/// <summary>The GCS's log messages (source-generated).</summary>
internal static partial class GcsLog
{
    [LoggerMessage(1, LogLevel.Information, "Node {NodeId} registered at {Endpoint} with {Resources}")]
    public static partial void NodeRegistered(ILogger logger, string nodeId, string endpoint, string resources);

    [LoggerMessage(2, LogLevel.Information, "Job {JobId} registered (driver pid {Pid}, namespace {Namespace})")]
    public static partial void JobRegistered(ILogger logger, string jobId, int pid, string @namespace);

    [LoggerMessage(4, LogLevel.Warning, "The driver of job {JobId} went away without finishing it: the job ends now")]
    public static partial void DriverGone(ILogger logger, string jobId);

    [LoggerMessage(3, LogLevel.Information, "Actor {ActorId} ({ClassName}) is {State}{Cause}")]
    public static partial void ActorState(ILogger logger, string actorId, string className, string state, string cause);

    [LoggerMessage(5, LogLevel.Warning, "Node {NodeId} ({Endpoint}) is dead: it stopped reporting")]
    public static partial void NodeDead(ILogger logger, string nodeId, string endpoint);
}
