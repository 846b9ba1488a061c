namespace RaySharp.Bench.Fuzz;

/// <summary>
/// Something the fuzzer saw that a hardened process must not do, with what it takes to reproduce it:
/// `bench --fuzz --seed <see cref="Seed"/> --only <see cref="Target"/>` regenerates input <see cref="Index"/>.
/// </summary>
/// <param name="Target">The decoder (message type) or rpc (Service/Method).</param>
/// <param name="Kind">What went wrong: an exception type, a status code, a dead process.</param>
/// <param name="Detail">The exception message or status detail.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Index">The input number for this target; -1 when the finding is not one input's (a liveness check).</param>
/// <param name="Input">The input's length and first bytes.</param>
public sealed record FuzzFinding(string Target, string Kind, string Detail, int Seed, long Index, string Input)
{
    /// <summary>
    /// The kind of a known limitation rather than a bug in RaySharp: grpc-dotnet decodes the request of a unary
    /// or server-streaming call before any interceptor or handler runs, and answers one that does not decode
    /// with UNKNOWN ("Exception was thrown by handler. InvalidProtocolBufferException") instead of
    /// INVALID_ARGUMENT. The call is rejected and the process serves on; only the status code is wrong.
    /// </summary>
    public const string UndecodableRequest = "undecodable request answered Unknown (grpc-dotnet decodes it before any interceptor)";

    /// <summary>True for <see cref="UndecodableRequest"/>, the one kind a run may report without failing.</summary>
    public bool IsKnownLimitation => Kind == UndecodableRequest;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Target}: {Kind}: {Detail} (seed {Seed}, input #{Index}{(Input.Length > 0 ? ", " + Input : "")})";
}
