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
}
