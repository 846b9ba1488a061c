using System.Net;

namespace RaySharp;

/// <summary>
/// The job API refused a request or could not be reached (<see cref="JobSubmissionClient"/>): the message is
/// the server's (a taken submission id, an unknown job, a missing token) or says what failed.
/// </summary>
public class JobSubmissionException : RayException
{
    /// <summary>Creates the exception for an answer with <paramref name="statusCode"/>.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="statusCode">The HTTP status of the answer; null when no answer came.</param>
    /// <param name="innerException">The cause, if any.</param>
    public JobSubmissionException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null) : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of the server's answer (404: no such job, 401: token missing or wrong, 400: refused); null when none came.</summary>
    public HttpStatusCode? StatusCode { get; }
}
