using System.Text.Json.Serialization;

namespace RaySharp.Common.Jobs;

/// <summary>The body of <c>POST /api/jobs/</c> (Ray's JobSubmitRequest field names).</summary>
internal sealed record JobSubmitBody
{
    [JsonPropertyName("entrypoint")]
    public string? Entrypoint { get; init; }

    [JsonPropertyName("submission_id")]
    public string? SubmissionId { get; init; }

    [JsonPropertyName("runtime_env")]
    public JobRuntimeEnvBody? RuntimeEnv { get; init; }

    [JsonPropertyName("metadata")]
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>A job's runtime environment on the wire: an uploaded working directory package and environment variables.</summary>
internal sealed record JobRuntimeEnvBody
{
    /// <summary>A package URI from <c>PUT /api/packages/...</c> (<see cref="WorkingDirPackage"/>), never a local path.</summary>
    [JsonPropertyName("working_dir")]
    public string? WorkingDir { get; init; }

    [JsonPropertyName("env_vars")]
    public Dictionary<string, string>? EnvVars { get; init; }

    /// <summary>Fields this cluster does not know (pip, conda, ...): refused by name rather than silently ignored.</summary>
    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Unknown { get; init; }
}

/// <summary>The reply of <c>POST /api/jobs/</c>.</summary>
internal sealed record JobSubmitReply(
    [property: JsonPropertyName("submission_id")] string SubmissionId,
    [property: JsonPropertyName("job_id")] string JobId);

/// <summary>The reply of <c>POST /api/jobs/{id}/stop</c>: false when the job had already ended.</summary>
internal sealed record JobStopReply([property: JsonPropertyName("stopped")] bool Stopped);

/// <summary>The reply of <c>DELETE /api/jobs/{id}</c>.</summary>
internal sealed record JobDeleteReply([property: JsonPropertyName("deleted")] bool Deleted);

/// <summary>The reply of <c>GET /api/jobs/{id}/logs</c>: the driver's whole output so far.</summary>
internal sealed record JobLogsReply([property: JsonPropertyName("logs")] string Logs);

/// <summary>Every error of the job API: a status code and this body, whose message says what to do.</summary>
internal sealed record JobApiError([property: JsonPropertyName("error")] string Error);
