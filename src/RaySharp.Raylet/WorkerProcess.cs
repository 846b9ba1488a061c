using System.Diagnostics;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>One worker process the raylet started, and its lifeline stream once it registered.</summary>
public sealed class WorkerProcess
{
    public WorkerProcess(UniqueId id, Process process, string launchKey, string? kindKey = null)
    {
        Id = id;
        Process = process;
        Pid = process.Id;
        LaunchKey = launchKey;
        KindKey = kindKey ?? launchKey;
    }

    /// <summary>Which job code this worker runs (see <see cref="WorkerLaunchKey"/>): its output goes to that job's driver.</summary>
    public string LaunchKey { get; }

    /// <summary>Which workers it can stand in for: the same job code in the same runtime env.</summary>
    public string KindKey { get; }

    public UniqueId Id { get; }

    public Process Process { get; }

    public int Pid { get; }

    /// <summary>Where the worker's core worker service listens; set when it registers.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Completed when the worker exits or the raylet lets it go; ends the lifeline call.</summary>
    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DateTime IdleSince { get; set; } = DateTime.UtcNow;

    /// <summary>The job of the latest lease it ran under (not set by detached actors' leases, which outlive their job): the log API finds a job's output by it.</summary>
    public Google.Protobuf.ByteString JobId { get; set; } = Google.Protobuf.ByteString.Empty;

    /// <summary>Its stdout and stderr as kept in the node's log directory; null until the pool sets them.</summary>
    internal WorkerOutputFile? Stdout { get; set; }

    /// <inheritdoc cref="Stdout"/>
    internal WorkerOutputFile? Stderr { get; set; }

    public bool IsDead { get; set; }

    /// <summary>It still holds one of the pool's startup slots (launched, neither registered nor exited); under the pool's lock.</summary>
    internal bool HoldsStartupSlot { get; set; }

    /// <summary>When the raylet started the process (Unix ms), for the state API.</summary>
    public long StartTimeMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public Address ToAddress(UniqueId nodeId) => new()
    {
        NodeId = nodeId.ToByteString(),
        WorkerId = Id.ToByteString(),
        Endpoint = Endpoint ?? "",
    };
}
