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

    [LoggerMessage(20, LogLevel.Warning, "The driver of job {JobId} did not come back within {Seconds} s of the GCS's restart (it died while the GCS was down): the job ends now")]
    public static partial void DriverDidNotReturn(ILogger logger, string jobId, double seconds);

    [LoggerMessage(3, LogLevel.Information, "Actor {ActorId} ({ClassName}) is {State}{Cause}")]
    public static partial void ActorState(ILogger logger, string actorId, string className, string state, string cause);

    [LoggerMessage(5, LogLevel.Warning, "Node {NodeId} ({Endpoint}) is dead: it sent nothing for {Seconds:0.#} s")]
    public static partial void NodeSilent(ILogger logger, string nodeId, string endpoint, double seconds);

    [LoggerMessage(6, LogLevel.Warning, "Node {NodeId} ({Endpoint}) is dead: its lifeline broke and its port refuses connections")]
    public static partial void NodeCrashed(ILogger logger, string nodeId, string endpoint);

    [LoggerMessage(7, LogLevel.Information, "Node {NodeId} ({Endpoint}) lost its lifeline but its port does not refuse ({Status}): judged by silence")]
    public static partial void NodeUnresponsive(ILogger logger, string nodeId, string endpoint, string status);

    [LoggerMessage(8, LogLevel.Warning, "Node {NodeId} reported after it was declared dead: told to shut down")]
    public static partial void DeadNodeReported(ILogger logger, string nodeId);

    [LoggerMessage(9, LogLevel.Information, "Node {NodeId} ({Endpoint}) stopped")]
    public static partial void NodeStopped(ILogger logger, string nodeId, string endpoint);

    [LoggerMessage(21, LogLevel.Information, "Shared actor host started (pid {Pid}) on node {NodeId} for job {JobId}")]
    public static partial void SharedHostStarted(ILogger logger, int pid, string nodeId, string jobId);

    [LoggerMessage(22, LogLevel.Warning, "Shared actor host (pid {Pid}) died with {Actors} actors: each restarts or dies by its own policy")]
    public static partial void SharedHostDied(ILogger logger, int pid, int actors);
}
