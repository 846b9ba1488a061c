using System.Diagnostics;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>One worker process the raylet started, and its lifeline stream once it registered.</summary>
public sealed class WorkerProcess
{
    public WorkerProcess(UniqueId id, Process process, string launchKey)
    {
        Id = id;
        Process = process;
        Pid = process.Id;
        LaunchKey = launchKey;
    }

    /// <summary>Which job code this worker runs (see <see cref="WorkerLaunchKey"/>).</summary>
    public string LaunchKey { get; }

    public UniqueId Id { get; }

    public Process Process { get; }

    public int Pid { get; }

    /// <summary>Where the worker's core worker service listens; set when it registers.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Completed when the worker exits or the raylet lets it go; ends the lifeline call.</summary>
    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DateTime IdleSince { get; set; } = DateTime.UtcNow;

    public bool IsDead { get; set; }

    public Address ToAddress(UniqueId nodeId) => new()
    {
        NodeId = nodeId.ToByteString(),
        WorkerId = Id.ToByteString(),
        Endpoint = Endpoint ?? "",
    };
}
