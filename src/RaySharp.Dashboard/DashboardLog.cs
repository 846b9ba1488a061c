using Microsoft.Extensions.Logging;

namespace RaySharp.Dashboard;

/// <summary>The dashboard's log messages (source-generated; dashboard.log in the session's logs).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(1, LogLevel.Information, "The dashboard serves at {Url}")]
    public static partial void Serving(ILogger logger, string url);

    [LoggerMessage(2, LogLevel.Warning, "Refused a request from {Peer} to {Path}: it carried {What} (at most one warning per peer every 10 s)")]
    public static partial void Unauthenticated(ILogger logger, string peer, string path, string what);

    [LoggerMessage(10, LogLevel.Information, "Job {SubmissionId} submitted: {Entrypoint}")]
    public static partial void JobSubmitted(ILogger logger, string submissionId, string entrypoint);

    [LoggerMessage(11, LogLevel.Information, "Job {SubmissionId} is {Status}{Message}")]
    public static partial void JobStatusChanged(ILogger logger, string submissionId, string status, string message);

    [LoggerMessage(12, LogLevel.Information, "Stopping job {SubmissionId} (SIGTERM to its process group {Pid}, SIGKILL after {GraceSeconds} s)")]
    public static partial void JobStopping(ILogger logger, string submissionId, int pid, double graceSeconds);

    [LoggerMessage(13, LogLevel.Warning, "Job {SubmissionId} was left {Status} by a supervisor that is gone: it is marked FAILED{Killed}")]
    public static partial void JobOrphaned(ILogger logger, string submissionId, string status, string killed);

    [LoggerMessage(14, LogLevel.Error, "Job {SubmissionId}'s supervisor failed")]
    public static partial void SupervisorFailed(ILogger logger, string submissionId, Exception exception);
}
