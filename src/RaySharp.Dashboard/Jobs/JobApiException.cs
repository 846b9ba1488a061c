using Microsoft.AspNetCore.Http;

namespace RaySharp.Dashboard.Jobs;

/// <summary>A request the job API refuses: the HTTP status and a message that says what to do.</summary>
internal sealed class JobApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static JobApiException NotFound(string submissionId) =>
        new(StatusCodes.Status404NotFound, $"Job with submission_id '{submissionId}' does not exist.");

    public static JobApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
