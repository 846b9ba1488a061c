using System.Threading.Channels;
using Google.Protobuf.Collections;

namespace RaySharp.Runtime;

/// <summary>
/// The queue of tasks with one resource shape and the leases that serve it. Leases are requested
/// while tasks wait and no leased worker is idle, at most <see cref="TaskSubmitter.MaxPendingLeaseRequests"/> at a time.
/// </summary>
internal sealed class SchedulingClass(string key, MapField<string, double> resources, SchedulingStrategy strategy)
{
    public SchedulingStrategy Strategy { get; } = strategy;

    public string Key { get; } = key;

    public MapField<string, double> Resources { get; } = resources;

    /// <summary>The resources serialized once, as every batch of this class's leases carries them (<c>TaskBatch.lease_resources</c>).</summary>
    public Google.Protobuf.ByteString ResourceBytes =>
        _resourceBytes ??= Google.Protobuf.MessageExtensions.ToByteString(new Protocol.TaskResources { Amounts = { Resources } });

    private Google.Protobuf.ByteString? _resourceBytes;

    /// <summary>The runtime env its workers are started with (null: none); part of <see cref="Key"/>.</summary>
    public Protocol.RuntimeEnv? RuntimeEnv { get; init; }

    public Channel<PendingTask> Queue { get; } = Channel.CreateUnbounded<PendingTask>();

    public Lock Lock { get; } = new();

    /// <summary>Lease requests sent to the raylet and not yet granted (guarded by <see cref="Lock"/>).</summary>
    public int PendingLeaseRequests { get; set; }

    /// <summary>Leases held now for this class (guarded by <see cref="Lock"/>).</summary>
    public int ActiveLeases { get; set; }

    /// <summary>Leased workers with nothing to do that would take a new task at once (guarded by <see cref="Lock"/>).</summary>
    public int IdleLeases { get; set; }

    /// <summary>
    /// The idle leases a submit may write its task to from its own thread (guarded by <see cref="Lock"/>): the counted idle
    /// ones, but for a lease whose first batch must carry GPU ids. See <see cref="LeasedWorker.TrySendInline"/>.
    /// </summary>
    public List<LeasedWorker> InlineLeases { get; } = [];

    public string FunctionName { get; set; } = "";

    /// <summary>
    /// Ray's max_calls (0: no limit): a leased worker runs at most this many of the class's tasks, then exits. Part of
    /// <see cref="Key"/> with the function, so the class holds that one function's tasks.
    /// </summary>
    public int MaxCalls { get; init; }
}
