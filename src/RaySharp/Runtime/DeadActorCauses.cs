using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Why actors this process called are dead, for the latest <see cref="Capacity"/> of them: a handle
/// still held to a dead actor fails its calls at once with the real cause, while the client that
/// served the actor is gone (a process that creates actors for weeks keeps no client per dead one).
/// An actor that fell out of this list is asked about at the GCS again.
/// </summary>
internal sealed class DeadActorCauses
{
    public const int Capacity = 1_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<UniqueId, ErrorInfo> _causes = [];
    private readonly Queue<UniqueId> _order = new();

    public void Add(UniqueId actor, ErrorInfo cause)
    {
        lock (_lock)
        {
            if (!_causes.TryAdd(actor, cause))
            {
                return;
            }
            _order.Enqueue(actor);
            while (_order.Count > Capacity)
            {
                _causes.Remove(_order.Dequeue());
            }
        }
    }

    public bool TryGet(UniqueId actor, out ErrorInfo cause)
    {
        lock (_lock)
        {
            return _causes.TryGetValue(actor, out cause!);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _causes.Count;
            }
        }
    }
}
