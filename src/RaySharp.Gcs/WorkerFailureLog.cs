using Google.Protobuf;

namespace RaySharp.Gcs;

/// <summary>
/// The cluster's recent worker failures, in order (Ray's worker failure pubsub, read by raylets on their
/// heartbeat): each raylet says how many it has seen and gets the rest, and frees the copies of objects
/// those workers owned. Bounded to the last <see cref="Capacity"/>: a raylet further behind gets what is
/// left (copies it then misses are secondary ones, which its store evicts under pressure anyway).
/// </summary>
public sealed class WorkerFailureLog
{
    public const int Capacity = 10_000;

    private readonly Lock _lock = new();
    private readonly Queue<ByteString> _recent = new();
    private long _total;

    public void Add(IEnumerable<ByteString> workers)
    {
        lock (_lock)
        {
            foreach (var w in workers)
            {
                _recent.Enqueue(w);
                _total++;
                if (_recent.Count > Capacity)
                {
                    _recent.Dequeue();
                }
            }
        }
    }

    /// <summary>The failures after the first <paramref name="known"/>, and the total to report next time.</summary>
    public (List<ByteString> Failures, long Total) Since(long known)
    {
        lock (_lock)
        {
            // A count from before a GCS restart is larger than this GCS's: start over.
            var first = _total - _recent.Count;
            var skip = known > _total ? 0 : Math.Max(0, known - first);
            return (_recent.Skip((int)skip).ToList(), _total);
        }
    }
}
