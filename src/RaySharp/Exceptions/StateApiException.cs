using System.Net;

namespace RaySharp;

/// <summary>
/// The state API refused a request or could not be reached (<see cref="State.StateApiClient"/>): the message is
/// the server's (a malformed filter, a missing token) or says what failed.
/// </summary>
public class StateApiException : RayException
{
    /// <summary>Creates the exception for an answer with <paramref name="statusCode"/>.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="statusCode">The HTTP status of the answer; null when no answer came.</param>
    /// <param name="innerException">The cause, if any.</param>
    public StateApiException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null) : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of the server's answer (400: a bad query, 401: token missing or wrong, 503: the GCS did not answer); null when none came.</summary>
    public HttpStatusCode? StatusCode { get; }
}
