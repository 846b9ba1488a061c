namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>Ray's Java KillActorTest actor: Hang never returns on its own, so only a kill ends the call.</summary>
public sealed class HangActor
{
    public string Ping() => "pong";

    public bool Hang()
    {
        // Bounded rather than Java's endless loop, so a failed kill cannot keep the process forever.
        Thread.Sleep(TimeSpan.FromMinutes(5));
        return true;
    }
}
