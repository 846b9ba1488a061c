using Google.Protobuf.Reflection;
using Grpc.Core;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// A gRPC method of the protocol with raw bytes for request and reply, so the fuzzer can send encodings that
/// no generated client would (mutated, truncated) and decode the reply itself.
/// </summary>
public static class RawMethod
{
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(b => b, b => b);

    /// <summary>The method of <paramref name="rpc"/> as the server routes it ("/raysharp.Gcs/RegisterNode").</summary>
    public static Method<byte[], byte[]> For(MethodDescriptor rpc) => new(
        rpc.IsClientStreaming
            ? rpc.IsServerStreaming ? MethodType.DuplexStreaming : MethodType.ClientStreaming
            : rpc.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary,
        rpc.Service.FullName, rpc.Name, s_bytes, s_bytes);

    /// <summary>"Gcs/RegisterNode": how findings and <c>--only</c> name a method.</summary>
    public static string Name(MethodDescriptor rpc) => rpc.Service.Name + "/" + rpc.Name;
}
