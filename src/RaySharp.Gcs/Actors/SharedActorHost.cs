using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs.Actors;

/// <summary>
/// A worker the GCS leased to host many shared actors of one job on one node (ActorIsolation.Shared). The
/// GCS watches the host once, not each actor: when the process dies, each of its actors is restarted in
/// another host by its own policy, or dies. A host that loses its last actor is given back (stopped).
/// Guarded by the actor manager's hosts lock.
/// </summary>
internal sealed class SharedActorHost(ByteString jobId, bool detached, ByteString nodeId, string rayletEndpoint)
{
    public ByteString JobId { get; } = jobId;

    /// <summary>Hosts detached actors only: its lease outlives the job (non-detached hosts end with it).</summary>
    public bool Detached { get; } = detached;

    public ByteString NodeId { get; } = nodeId;

    public string RayletEndpoint { get; } = rayletEndpoint;

    /// <summary>True once the host is leased and watched; false when it could not be started.</summary>
    public TaskCompletionSource<bool> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Address? Worker { get; set; }

    public int Pid { get; set; }

    public ByteString LeaseId { get; set; } = ByteString.Empty;

    /// <summary>Its actors that live (or were just created) here.</summary>
    public HashSet<UniqueId> Actors { get; } = [];

    /// <summary>Creations on their way here: counted so that concurrent placements fill hosts evenly.</summary>
    public int Reserved { get; set; }

    /// <summary>Dead, or given back: it takes no more actors.</summary>
    public bool Retired { get; set; }

    /// <summary>Given back because its last actor went (not a crash): its watch ending means nothing more.</summary>
    public bool Emptied { get; set; }

    /// <summary>Cancelled when the host's node dies, or when it is given back: ends its lease request and its watch.</summary>
    public CancellationTokenSource OnNode { get; } = new();

    public int Load => Actors.Count + Reserved;

    public bool Fits(ByteString job, bool detached, ByteString node) => !Retired && JobId == job && Detached == detached && NodeId == node;
}
