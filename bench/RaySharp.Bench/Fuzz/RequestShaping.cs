using Google.Protobuf;
using Google.Protobuf.Reflection;
using RaySharp.Protocol;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// The one rpc whose valid random requests would take the machine down by doing exactly what they ask:
/// Gcs/RegisterActor places every actor it accepts on a worker process of its own, so 10,000 random
/// registrations (about 15% are valid and placeable) asked for ~1,500 processes on a 2-core node, which
/// starved the GCS until its raylet gave up on it (measured: the CI run's cluster died in that batch). Its
/// requests that decode are given a resource no node has, so the GCS validates and records them but never
/// places them; requests that do not decode are sent as they are. Placement of random specs is not fuzzed.
/// </summary>
public static class RequestShaping
{
    /// <summary>The resource that keeps fuzzed actors pending.</summary>
    public const string Infeasible = "fuzz_infeasible";

    /// <summary>How requests of <paramref name="rpc"/> are changed before they are sent; null for unchanged.</summary>
    public static Func<byte[], byte[]>? For(MethodDescriptor rpc) =>
        rpc.Service.Name == "Gcs" && rpc.Name == "RegisterActor" ? NeverPlaced : null;

    private static byte[] NeverPlaced(byte[] request)
    {
        ActorCreationSpec spec;
        try
        {
            spec = ActorCreationSpec.Parser.ParseFrom(request);
        }
        catch (InvalidProtocolBufferException)
        {
            return request;
        }
        spec.Resources[Infeasible] = 1;
        return spec.ToByteArray();
    }
}
