using RaySharp.Protocol;

namespace RaySharp.Gcs.Actors;

/// <summary>One actor as the GCS tracks it: its creation spec, its table entry and its current lease.</summary>
internal sealed class ActorRecord(ActorCreationSpec spec, ActorTableEntry entry)
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ActorCreationSpec Spec { get; } = spec;

    /// <summary>The table entry; replaced (never mutated) on every change, so readers see a consistent copy.</summary>
    public ActorTableEntry Entry { get; private set; } = entry;

    public Lock Lock { get; } = new();

    /// <summary>Completes when the registration is in storage (at once in memory, or for a record loaded from it).</summary>
    public Task Saved { get; set; } = Task.CompletedTask;

    /// <summary>The raylet and lease that hold the actor's worker now.</summary>
    public (string RayletEndpoint, Google.Protobuf.ByteString LeaseId)? Lease { get; set; }

    /// <summary>A shared actor's host (ActorIsolation.Shared) while it is placed there; its lease is the host's.</summary>
    public SharedActorHost? Host { get; set; }

    /// <summary>A shared actor loaded from storage: the lease of the host it lived in (to watch that host again).</summary>
    public (string RayletEndpoint, Google.Protobuf.ByteString LeaseId)? LoadedHostLease { get; set; }

    /// <summary>Set by a kill with no_restart or by the actor's own exit: its death is final.</summary>
    public bool NoRestart { get => Volatile.Read(ref _noRestart); set => Volatile.Write(ref _noRestart, value); }

    private bool _noRestart;

    /// <summary>Why a kill with no_restart ended it before it started, when the kill said (null: Ray.Kill).</summary>
    public string? KillCause { get; set; }

    /// <summary>Set when the actor was killed because no handle to it was left.</summary>
    public bool OutOfScope { get; set; }

    /// <summary>Set when the actor was killed because the job that created it ended.</summary>
    public bool JobEnded { get; set; }

    /// <summary>The node the actor is being placed on or lives on; its death ends the placement or the watch.</summary>
    public Google.Protobuf.ByteString NodeId { get; set; } = Google.Protobuf.ByteString.Empty;

    /// <summary>Cancelled when <see cref="NodeId"/> dies: the calls to that node stop waiting.</summary>
    public CancellationTokenSource? OnNode { get; set; }

    /// <summary>Why the actor's node died, when that is what ended its worker.</summary>
    public string? NodeDeathCause { get; set; }

    public Task Changed => _changed.Task;

    /// <summary>Publishes a new state to long-polling callers.</summary>
    public ActorTableEntry Update(Action<ActorTableEntry> change) => TryUpdate(null, change)!;

    /// <summary>
    /// Publishes a new state if <paramref name="when"/> holds for the current one, checked under the same lock as every
    /// change: a creation that finishes as a kill lands cannot publish the actor alive over its death, nor the kill mark
    /// dead an actor that just became alive. Null when refused.
    /// </summary>
    public ActorTableEntry? TryUpdate(Func<ActorTableEntry, bool>? when, Action<ActorTableEntry> change)
    {
        TaskCompletionSource previous;
        lock (Lock)
        {
            if (when is not null && !when(Entry))
            {
                return null;
            }
            var next = Entry.Clone();
            change(next);
            next.Version = Entry.Version + 1;
            Entry = next;
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous.TrySetResult();
        return Entry;
    }
}
