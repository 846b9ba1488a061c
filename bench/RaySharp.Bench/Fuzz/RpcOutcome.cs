using Grpc.Core;

namespace RaySharp.Bench.Fuzz;

/// <summary>Which answers to a random or malformed request a hardened service may give.</summary>
public static class RpcOutcome
{
    /// <summary>
    /// A rejection (INVALID_ARGUMENT, NOT_FOUND, ...), the caller's own deadline or cancellation, or success
    /// (a random request can be valid). UNKNOWN and INTERNAL (an unhandled exception), UNAVAILABLE (the
    /// process or connection went away), UNIMPLEMENTED and DATA_LOSS are findings.
    /// </summary>
    public static bool IsExpected(StatusCode code) => code is StatusCode.OK or StatusCode.Cancelled or StatusCode.InvalidArgument
        or StatusCode.DeadlineExceeded or StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.PermissionDenied
        or StatusCode.ResourceExhausted or StatusCode.FailedPrecondition or StatusCode.Aborted or StatusCode.OutOfRange
        or StatusCode.Unauthenticated;

    /// <summary>
    /// A status the client library made up because the HTTP/2 request broke (the connection dropped, or a
    /// cancellation raced the call's start: "Error starting gRPC call. IOException: The request was aborted",
    /// or an ObjectDisposedException of the response content). A malformed request may cost its connection;
    /// whether the server lives on is what the liveness check after each batch decides. "Connection refused"
    /// is not a drop: nobody serves there any more.
    /// </summary>
    public static bool IsConnectionDrop(StatusCode code, string detail) =>
        code is StatusCode.Unavailable or StatusCode.Internal
        && (detail.StartsWith("Error starting gRPC call.", StringComparison.Ordinal) || detail.StartsWith("Error reading next message.", StringComparison.Ordinal))
        && !detail.Contains("Connection refused", StringComparison.Ordinal);
}
