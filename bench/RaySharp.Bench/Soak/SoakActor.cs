namespace RaySharp.Bench.Soak;

/// <summary>
/// The soak's actor. Its state is only its constructor argument, which a restart gets again, so every
/// call's answer is known in advance even when the actor's worker was SIGKILLed and restarted in between.
/// </summary>
public sealed class SoakActor(long offset)
{
    public long Apply(long x) => offset + (2 * x);

    /// <summary>A large argument passed to an actor: pulled to the actor's node.</summary>
    public long Verify(ulong[] data, long seed) => SoakPattern.Matching(data, seed);
}
