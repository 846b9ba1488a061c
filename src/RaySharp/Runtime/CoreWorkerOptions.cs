using RaySharp.Common.Ids;

namespace RaySharp.Runtime;

/// <summary>What a core worker needs to know about where it runs.</summary>
internal sealed record CoreWorkerOptions
{
    public required bool IsDriver { get; init; }

    public required UniqueId WorkerId { get; init; }

    public required UniqueId NodeId { get; init; }

    public required string RayletEndpoint { get; init; }

    public required string GcsEndpoint { get; init; }

    public required string SocketDirectory { get; init; }

    public string Namespace { get; init; } = "";
}
