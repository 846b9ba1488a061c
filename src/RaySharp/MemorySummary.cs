using System.Globalization;
using System.Text;

namespace RaySharp;

/// <summary>What keeps an object alive (Ray's reference types).</summary>
[Flags]
public enum ReferenceType
{
    /// <summary>Nothing known: the store holds it, no process reported a reference.</summary>
    None = 0,

    /// <summary>An ObjectRef in a program (Ray's LOCAL_REFERENCE).</summary>
    LocalReference = 1,

    /// <summary>A pending task takes it as an argument (USED_BY_PENDING_TASK).</summary>
    UsedByPendingTask = 2,

    /// <summary>Another object's value holds its ref (CAPTURED_IN_OBJECT).</summary>
    CapturedInObject = 4,

    /// <summary>A process other than its owner holds a ref to it.</summary>
    Borrowed = 8,

    /// <summary>A zero-copy view or a Get in progress pins it in the store (PINNED_IN_MEMORY).</summary>
    PinnedInMemory = 16,
}

/// <summary>One node's object store, as <see cref="Ray.MemorySummary"/> reports it.</summary>
/// <param name="NodeId">The node's id in hex.</param>
/// <param name="Capacity">The store's size in bytes.</param>
/// <param name="Used">Bytes of objects in memory.</param>
/// <param name="ObjectsInMemory">Objects in memory.</param>
/// <param name="SpilledBytes">Bytes spilled to disk since the node started.</param>
/// <param name="SpilledObjects">Objects spilled since the node started.</param>
/// <param name="RestoredBytes">Bytes read back from disk.</param>
/// <param name="RestoredObjects">Objects read back from disk.</param>
/// <param name="InSharedMemory">False when /dev/shm could not hold the store and it is mapped from a disk file.</param>
public sealed record NodeMemory(string NodeId, long Capacity, long Used, long ObjectsInMemory,
    long SpilledBytes, long SpilledObjects, long RestoredBytes, long RestoredObjects, bool InSharedMemory);

/// <summary>One object, as <see cref="Ray.MemorySummary"/> reports it.</summary>
/// <param name="ObjectId">The object's id in hex.</param>
/// <param name="Size">Its size in bytes (0 when unknown to the reporting process).</param>
/// <param name="OwnerPid">The process that owns it, when it reported; else 0.</param>
/// <param name="CallSite">The task that makes it, or "put".</param>
/// <param name="References">What keeps it alive, over all processes.</param>
/// <param name="NodeId">The node whose store holds it; empty for a small value kept by its owner.</param>
/// <param name="InMemory">In the store's memory (false: spilled only, or not in a store).</param>
/// <param name="Spilled">A copy is on disk.</param>
/// <param name="Pins">Readers pinning it in the store now: zero-copy views and Gets in progress.</param>
public sealed record ObjectMemory(string ObjectId, long Size, int OwnerPid, string CallSite, ReferenceType References,
    string NodeId, bool InMemory, bool Spilled, int Pins);

/// <summary>The result of <see cref="Ray.MemorySummary"/>.</summary>
public sealed class MemorySummary(IReadOnlyList<NodeMemory> nodes, IReadOnlyList<ObjectMemory> objects)
{
    /// <summary>Every node's store.</summary>
    public IReadOnlyList<NodeMemory> Nodes { get; } = nodes;

    /// <summary>Every object some process or store knows of.</summary>
    public IReadOnlyList<ObjectMemory> Objects { get; } = objects;

    /// <summary>Bytes spilled on all nodes.</summary>
    public long SpilledBytes => Nodes.Sum(n => n.SpilledBytes);

    /// <summary>Objects spilled on all nodes.</summary>
    public long SpilledObjects => Nodes.Sum(n => n.SpilledObjects);

    /// <summary>Bytes restored on all nodes.</summary>
    public long RestoredBytes => Nodes.Sum(n => n.RestoredBytes);

    /// <summary>Objects restored on all nodes.</summary>
    public long RestoredObjects => Nodes.Sum(n => n.RestoredObjects);

    /// <summary>Bytes in the stores' memory on all nodes.</summary>
    public long StoreUsed => Nodes.Sum(n => n.Used);

    /// <summary>The totals only, as <c>ray memory --stats-only</c> prints them.</summary>
    public string Stats()
    {
        var text = new StringBuilder();
        text.AppendLine("--- Aggregate object store stats across all nodes ---");
        var capacity = Nodes.Sum(n => n.Capacity);
        text.AppendLine(CultureInfo.InvariantCulture, $"Plasma memory usage {Mib(StoreUsed)} MiB, {Nodes.Sum(n => n.ObjectsInMemory)} objects, {(capacity == 0 ? 0 : 100.0 * StoreUsed / capacity):0.##}% full");
        text.AppendLine(CultureInfo.InvariantCulture, $"Spilled {Mib(SpilledBytes)} MiB, {SpilledObjects} objects");
        text.AppendLine(CultureInfo.InvariantCulture, $"Restored {Mib(RestoredBytes)} MiB, {RestoredObjects} objects");
        return text.ToString();
    }

    /// <summary>The whole report: objects grouped by node, largest first, then the totals.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine("======== Object references status ========");
        foreach (var group in Objects.GroupBy(o => o.NodeId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"--- Object references for node {(group.Key.Length == 0 ? "(inline, in their owners)" : group.Key)} ---");
            text.AppendLine("Owner PID | Call Site | Size | Reference Type | Where | Object Ref");
            foreach (var o in group.OrderByDescending(o => o.Size))
            {
                var where = o.InMemory ? "memory" : o.Spilled ? "spilled" : "-";
                text.AppendLine(CultureInfo.InvariantCulture, $"{o.OwnerPid} | {o.CallSite} | {o.Size} B | {o.References} | {where} | {o.ObjectId}");
            }
        }
        text.Append(Stats());
        return text.ToString();
    }

    // Ray prints whole MiB, rounded down.
    private static long Mib(long bytes) => bytes / (1024 * 1024);
}
