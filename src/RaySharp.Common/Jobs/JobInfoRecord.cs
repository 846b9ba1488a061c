using System.Text.Json.Serialization;

namespace RaySharp.Common.Jobs;

/// <summary>
/// One submitted job as the job API returns it and the GCS KV keeps it (JSON, Ray's JobDetails field names).
/// Times are Unix milliseconds. The server writes it; the client reads it into the public JobDetails.
/// </summary>
internal sealed record JobInfoRecord
{
    /// <summary>The driver kind, as Ray reports jobs submitted through the job API.</summary>
    public const string SubmissionType = "SUBMISSION";

    [JsonPropertyName("type")]
    public string Type { get; init; } = SubmissionType;

    [JsonPropertyName("submission_id")]
    public required string SubmissionId { get; init; }

    /// <summary>Ray's field for older clients: the submission id here (the driver's own job id is not tracked).</summary>
    [JsonPropertyName("job_id")]
    public string? JobId { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("entrypoint")]
    public required string Entrypoint { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("start_time")]
    public long StartTime { get; init; }

    [JsonPropertyName("end_time")]
    public long? EndTime { get; init; }

    [JsonPropertyName("metadata")]
    public Dictionary<string, string> Metadata { get; init; } = [];

    [JsonPropertyName("runtime_env")]
    public JobRuntimeEnvBody? RuntimeEnv { get; init; }

    [JsonPropertyName("driver_exit_code")]
    public int? DriverExitCode { get; init; }

    /// <summary>The entrypoint's process (the shell that runs it), while it runs; a restarted supervisor stops it by this.</summary>
    [JsonPropertyName("driver_pid")]
    public int? DriverPid { get; init; }

    /// <summary>When that process started (<see cref="Processes.ProcessStartTime"/>): a pid the system gave to another process is never signalled.</summary>
    [JsonPropertyName("driver_start_ticks")]
    public long? DriverStartTicks { get; init; }
}
