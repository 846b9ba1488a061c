using Google.Protobuf.Reflection;
using RaySharp.Protocol;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// Every message type and every rpc of the RaySharp protocol, read from the generated descriptors, so a new
/// message or method in protos/ is fuzzed without touching the harness.
/// </summary>
public static class ProtocolCatalog
{
    private static readonly FileDescriptor[] s_files =
    [
        CommonReflection.Descriptor,
        GcsReflection.Descriptor,
        NodeManagerReflection.Descriptor,
        ObjectStoreReflection.Descriptor,
        CoreWorkerReflection.Descriptor,
    ];

    /// <summary>Every message type (nested ones and map entries' owners included), ordered by full name.</summary>
    public static IReadOnlyList<MessageDescriptor> Messages { get; } =
        s_files.SelectMany(f => f.MessageTypes).SelectMany(WithNested)
            .Where(m => m.ClrType is not null)   // map entry types have no CLR class
            .OrderBy(m => m.FullName, StringComparer.Ordinal).ToList();

    /// <summary>Every service of protos/ (Gcs, NodeManager, ObjectStore, CoreWorker).</summary>
    public static IReadOnlyList<ServiceDescriptor> Services { get; } = s_files.SelectMany(f => f.Services).ToList();

    private static IEnumerable<MessageDescriptor> WithNested(MessageDescriptor m) => [m, .. m.NestedTypes.SelectMany(WithNested)];
}
