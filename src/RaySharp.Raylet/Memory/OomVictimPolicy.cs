namespace RaySharp.Raylet.Memory;

/// <summary>
/// Which worker the memory monitor kills (Ray's retriable-LIFO policy): among the workers leased out,
/// one whose task would be retried before one whose task would fail, and among those the most recently
/// granted — it has made the least progress, and the oldest tasks are let finish.
/// </summary>
/// <remarks>
/// Only leased workers are candidates: an idle worker holds little, and the raylet itself, the GCS and
/// drivers are never leases, so they are never killed.
/// </remarks>
internal static class OomVictimPolicy
{
    public static Lease? Choose(IEnumerable<Lease> leases)
    {
        Lease? best = null;
        foreach (var lease in leases)
        {
            // An attached lease (a shared actor's resources) is its host's: the host's own lease stands for the process.
            if (lease.Worker.IsDead || lease.Attached)
            {
                continue;
            }
            if (best is null || (lease.Retriable, lease.GrantSequence).CompareTo((best.Retriable, best.GrantSequence)) > 0)
            {
                best = lease;
            }
        }
        return best;
    }
}
