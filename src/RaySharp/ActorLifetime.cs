namespace RaySharp;

/// <summary>How long an actor lives.</summary>
public enum ActorLifetime
{
    /// <summary>The actor stops when the job (driver) that created it ends. The default.</summary>
    NonDetached,

    /// <summary>The actor outlives its driver until it is killed.</summary>
    Detached,
}
