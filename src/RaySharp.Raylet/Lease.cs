using RaySharp.Common.Ids;

namespace RaySharp.Raylet;

/// <summary>A worker granted to one owner with the resources it holds while the lease lasts.</summary>
public sealed class Lease
{
    public Lease(UniqueId id, WorkerProcess worker, ResourceSet held, List<(int Id, long Units)> gpus)
    {
        Id = id;
        Worker = worker;
        Held = held;
        Gpus = gpus;
    }

    public UniqueId Id { get; }

    public WorkerProcess Worker { get; }

    /// <summary>What the lease holds now: CPUs leave this while the worker is blocked in Get/Wait.</summary>
    public ResourceSet Held { get; }

    public List<(int Id, long Units)> Gpus { get; }

    /// <summary>Where <see cref="Gpus"/> came from and go back to: the node's pool, or a placement-group bundle's.</summary>
    public GpuIdPool? GpuSource { get; init; }

    public long BlockedCpuUnits { get; set; }

    /// <summary>The job whose end ends this lease; empty for a detached actor's lease.</summary>
    public Google.Protobuf.ByteString JobId { get; init; } = Google.Protobuf.ByteString.Empty;

    /// <summary>The worker process that uses the lease (empty for drivers and the GCS): its death ends the lease.</summary>
    public Google.Protobuf.ByteString OwnerWorkerId { get; init; } = Google.Protobuf.ByteString.Empty;

    /// <summary>The function the lease was requested for (named when the memory monitor kills its worker).</summary>
    public string FunctionName { get; init; } = "";

    /// <summary>Its owner would retry the task if the worker died: the memory monitor kills these first.</summary>
    public bool Retriable { get; init; }

    /// <summary>
    /// Resources only, charged beside another lease's worker (a shared actor in its host's process): its
    /// return gives back only the resources, and the worker's exit ends it.
    /// </summary>
    public bool Attached { get; init; }

    /// <summary>Grant order on this node (higher is more recent): the memory monitor kills the most recent first.</summary>
    public long GrantSequence { get; init; }
}
