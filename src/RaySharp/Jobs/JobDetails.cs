namespace RaySharp;

/// <summary>A submitted job as the job API reports it (Ray's JobDetails).</summary>
/// <param name="SubmissionId">The job's submission id (given at submit, or generated).</param>
/// <param name="Status">Where the job is.</param>
/// <param name="Entrypoint">The shell command that runs as the job's driver on the head.</param>
/// <param name="Message">Why the job is in its status (e.g. the exit code of a failed entrypoint).</param>
/// <param name="StartTime">When the job was submitted.</param>
/// <param name="EndTime">When it ended; null while it has not.</param>
/// <param name="Metadata">The metadata given at submit.</param>
/// <param name="DriverExitCode">The entrypoint's exit code once it exited (128 + the signal when a signal ended it).</param>
/// <param name="WorkingDir">The working directory package the job runs in (gcs://...zip), if any.</param>
/// <param name="EnvVars">The environment variables of its runtime environment.</param>
public sealed record JobDetails(
    string SubmissionId,
    JobStatus Status,
    string Entrypoint,
    string? Message,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    IReadOnlyDictionary<string, string> Metadata,
    int? DriverExitCode,
    string? WorkingDir,
    IReadOnlyDictionary<string, string> EnvVars);
