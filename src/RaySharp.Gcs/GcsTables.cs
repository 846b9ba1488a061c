using System.Collections.Concurrent;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>The GCS's state: nodes, jobs and the internal key-value store, kept in memory.</summary>
public sealed class GcsTables
{
    private int _nextJob;

    public ConcurrentDictionary<UniqueId, NodeInfo> Nodes { get; } = new();

    public ConcurrentDictionary<UniqueId, RegisterJobRequest> Jobs { get; } = new();

    public ConcurrentDictionary<(string Ns, string Key), byte[]> Kv { get; } = new();

    /// <summary>Job ids count up from 1, as Ray's do, so they are short in logs.</summary>
    public UniqueId NextJobId() => new((UInt128)Interlocked.Increment(ref _nextJob));
}
