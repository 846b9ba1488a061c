using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>One object in a node's store: where its bytes are (memory, a spill file or both) and who holds it.</summary>
internal sealed class StoredObject(ObjectId id, long size, PayloadFormat format, UniqueId owner)
{
    public ObjectId Id { get; } = id;

    public long Size { get; } = size;

    public PayloadFormat Format { get; } = format;

    /// <summary>The worker that owns the object: when it dies, nobody can ask for the object any more.</summary>
    public UniqueId Owner { get; } = owner;

    /// <summary>Where the bytes are in the region; -1 while the object is only on disk.</summary>
    public long Offset { get; set; } = -1;

    public bool InMemory => Offset >= 0;

    public bool Sealed => SealedSignal.Task.IsCompleted;

    public TaskCompletionSource SealedSignal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The process writing it until it is sealed (Nil for the raylet's own pulls).</summary>
    public UniqueId Writer { get; init; }

    /// <summary>A copy pulled from another node: the primary lives there, so this one is simply evicted when room is needed.</summary>
    public bool Secondary { get; init; }

    /// <summary>Set once the object was written to a spill file; then its memory can go at any time it is not pinned.</summary>
    public SpillLocation? Spilled { get; set; }

    /// <summary>A restore from disk in progress: concurrent readers wait for the same one.</summary>
    public Task? Restoring { get; set; }

    /// <summary>Being written to a spill file right now: not picked again.</summary>
    public bool Spilling { get; set; }

    /// <summary>The owner freed it while readers still pinned it: it goes when the last pin does.</summary>
    public bool Freed { get; set; }

    /// <summary>Pins per client (a Get in progress, a zero-copy view, a writer before sealing).</summary>
    public Dictionary<UniqueId, int> Pins { get; } = [];

    public int PinCount { get; set; }

    /// <summary>For LRU choices: when it was last created, read or restored.</summary>
    public long LastUsed { get; set; } = Environment.TickCount64;
}

/// <summary>Where a spilled object's bytes are: a range of a fused spill file.</summary>
internal sealed record SpillLocation(SpillFile File, long Offset);

/// <summary>A spill file holding one or more objects; deleted when none of them is needed any more.</summary>
internal sealed class SpillFile(string path, int objects)
{
    public string Path { get; } = path;

    public int LiveObjects { get; set; } = objects;
}
