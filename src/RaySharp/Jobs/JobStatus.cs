namespace RaySharp;

/// <summary>The status of a job submitted through the job API (Ray's JobStatus).</summary>
public enum JobStatus
{
    /// <summary>Accepted; its entrypoint has not started yet (its working directory is being prepared).</summary>
    Pending,

    /// <summary>Its entrypoint runs on the head.</summary>
    Running,

    /// <summary>Stopped through the job API (its entrypoint was sent SIGTERM, then SIGKILL).</summary>
    Stopped,

    /// <summary>Its entrypoint exited with code 0.</summary>
    Succeeded,

    /// <summary>Its entrypoint exited with another code, or could not start.</summary>
    Failed,
}

/// <summary>Helpers for <see cref="JobStatus"/>.</summary>
public static class JobStatusExtensions
{
    /// <summary>Whether the job has ended for good (<see cref="JobStatus.Stopped"/>, <see cref="JobStatus.Succeeded"/> or <see cref="JobStatus.Failed"/>).</summary>
    /// <param name="status">The status.</param>
    /// <returns>True for a final status.</returns>
    public static bool IsTerminal(this JobStatus status) => status is JobStatus.Stopped or JobStatus.Succeeded or JobStatus.Failed;
}
