namespace RaySharp;

/// <summary>An actor as <see cref="Ray.ListActors"/> shows it.</summary>
/// <param name="ActorId">The actor's id.</param>
/// <param name="ClassName">The actor's class.</param>
/// <param name="Name">Its name, or empty.</param>
/// <param name="State">PENDING, ALIVE, RESTARTING or DEAD.</param>
/// <param name="DeathCause">Why a DEAD actor died.</param>
/// <param name="Pid">The process id of its worker while alive.</param>
/// <param name="NodeId">The node it runs on while alive.</param>
/// <param name="NumRestarts">How often it was restarted.</param>
public sealed record ActorInfo(string ActorId, string ClassName, string Name, string State, string DeathCause, int Pid, string NodeId, int NumRestarts);
