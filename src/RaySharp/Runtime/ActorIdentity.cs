using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Who an actor is, as code running in it sees it (Ray's runtime context in an actor): made once per incarnation from
/// its creation spec, before its constructor runs, so the constructor and every method share one instance.
/// </summary>
/// <param name="Id">The actor's id.</param>
/// <param name="WasRestarted">True in an incarnation after the first.</param>
/// <param name="Name">Its name, "" when it has none.</param>
/// <param name="Resources">What it was given: its demand under the plain names (Ray's get_assigned_resources).</param>
/// <param name="MaxTaskRetries">Its max_task_retries, for a handle to itself (Ray's current_actor).</param>
internal sealed record ActorIdentity(UniqueId Id, bool WasRestarted, string Name, IReadOnlyDictionary<string, double> Resources, int MaxTaskRetries)
{
    /// <summary>The identity of the incarnation <paramref name="numRestarts"/> of the actor <paramref name="spec"/> creates.</summary>
    public static ActorIdentity Of(ActorCreationSpec spec, int numRestarts) =>
        new(UniqueId.FromByteString(spec.ActorId), numRestarts > 0, spec.Name, AssignedResources.Of(spec.Resources), spec.MaxTaskRetries);
}
