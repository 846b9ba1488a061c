namespace RaySharp.Bench.Soak;

/// <summary>
/// The actors a driver keeps for its whole life: some that restart and retry their calls (every call
/// must answer exactly), and one that restarts but does not retry calls, whose calls in flight at a kill
/// fail as Ray documents (RayActorException) — so the failure path is soaked too.
/// </summary>
public sealed class SoakActors : IDisposable
{
    private SoakActors(IReadOnlyList<(long, ActorHandle<SoakActor>)> longLived, (long, ActorHandle<SoakActor>) noRetry)
    {
        LongLived = longLived;
        NoRetry = noRetry;
    }

    public IReadOnlyList<(long Offset, ActorHandle<SoakActor> Actor)> LongLived { get; }

    public (long Offset, ActorHandle<SoakActor> Actor) NoRetry { get; }

    /// <summary>Creates <paramref name="count"/> restartable actors and the one without call retries; offsets start at <paramref name="firstOffset"/>.</summary>
    public static SoakActors Create(int count, long firstOffset)
    {
        var longLived = Enumerable.Range(0, count)
            .Select(i => (firstOffset + i, Ray.Actor((long o) => new SoakActor(o), firstOffset + i).SetMaxRestarts(-1).SetMaxTaskRetries(-1).Remote()))
            .ToList();
        var noRetryOffset = firstOffset + count;
        return new SoakActors(longLived, (noRetryOffset, Ray.Actor((long o) => new SoakActor(o), noRetryOffset).SetMaxRestarts(-1).Remote()));
    }

    public void Dispose()
    {
        foreach (var (_, actor) in LongLived)
        {
            actor.Dispose();
        }
        NoRetry.Actor.Dispose();
    }
}
