using System.Collections.Concurrent;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Memory;

/// <summary>
/// Why the raylet killed a worker, kept for the owners that ask when their stream to it breaks
/// (Ray's GetWorkerFailureCause). Bounded: the oldest causes go first, long after any owner asked.
/// </summary>
internal sealed class WorkerFailureCauses
{
    private const int Capacity = 10_000;

    private readonly ConcurrentDictionary<UniqueId, (ErrorKind Kind, string Message)> _causes = new();
    private readonly ConcurrentQueue<UniqueId> _order = new();

    /// <summary>Recorded before the kill, so an owner that sees the broken stream finds it.</summary>
    public void Record(UniqueId workerId, ErrorKind kind, string message)
    {
        _causes[workerId] = (kind, message);
        _order.Enqueue(workerId);
        while (_order.Count > Capacity && _order.TryDequeue(out var old))
        {
            _causes.TryRemove(old, out _);
        }
    }

    public WorkerFailureCauseReply Get(UniqueId workerId) =>
        _causes.TryGetValue(workerId, out var cause)
            ? new WorkerFailureCauseReply { Known = true, Kind = cause.Kind, Message = cause.Message }
            : new WorkerFailureCauseReply();
}
