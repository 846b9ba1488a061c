using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using Empty = RaySharp.Protocol.Empty;
using GetActorInfoRequest = RaySharp.Protocol.GetActorInfoRequest;
using KillActorRequest = RaySharp.Protocol.KillActorRequest;
using ListNamedActorsRequest = RaySharp.Protocol.ListNamedActorsRequest;
using RaySharp.Runtime;

namespace RaySharp;

public static partial class Ray
{
    /// <summary>Finds a live named actor in this job's namespace.</summary>
    /// <typeparam name="A">The actor's class.</typeparam>
    /// <param name="name">The name given with SetName.</param>
    /// <returns>A handle to the actor.</returns>
    /// <exception cref="ArgumentException">No live actor has that name.</exception>
    public static ActorHandle<A> GetActor<A>(string name) => GetActor<A>(name, CoreWorker.Require().Namespace);

    /// <summary>Finds a live named actor in the given namespace.</summary>
    /// <typeparam name="A">The actor's class.</typeparam>
    /// <param name="name">The name given with SetName.</param>
    /// <param name="namespace">The namespace it was created in.</param>
    /// <returns>A handle to the actor.</returns>
    /// <exception cref="ArgumentException">No live actor has that name.</exception>
    public static ActorHandle<A> GetActor<A>(string name, string @namespace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var worker = CoreWorker.Require();
        try
        {
            var entry = GcsCalls.Call("Ray.GetActor", deadline => worker.Gcs.GetActorInfo(new GetActorInfoRequest { Name = name, Namespace = @namespace ?? "" }, deadline: deadline));
            // The actor's task retries come with it (as in Ray); the pending-call limit is the caller's own.
            return new ActorHandle<A>(UniqueId.FromByteString(entry.ActorId), entry.MaxTaskRetries, -1);
        }
        catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            throw new ArgumentException($"No live actor named '{name}' in namespace '{@namespace}'.", nameof(name), ex);
        }
    }

    /// <summary>Kills an actor at once: calls queued or running fail with <see cref="RayActorException"/>.</summary>
    /// <param name="actor">The actor's handle.</param>
    /// <param name="noRestart">False lets an actor with restarts left be re-created.</param>
    public static void Kill(ActorHandle actor, bool noRestart = true)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var worker = CoreWorker.Require();
        var gcs = worker.Gcs;
        GcsCalls.Call("Ray.Kill", deadline => gcs.KillActor(new KillActorRequest { ActorId = actor.Id.ToByteString(), NoRestart = noRestart }, deadline: deadline));
        if (noRestart)
        {
            // Dead for good from now on (Ray): the actor's process may still answer for a moment while it
            // goes, but no call made after Kill returns may reach it.
            worker.GetActorClient(actor.Id).SetDead(ErrorConversion.ActorDied(actor.Id.ToByteString(), "", $"The actor {actor.Id} is dead: it was killed (Ray.Kill).", null));
        }
    }

    /// <summary>Ends the actor that runs the calling method, for good (never restarted). Only valid inside an actor method.</summary>
    public static void ExitActor()
    {
        if (CoreWorker.Require().ActorIdentity is null)
        {
            throw new InvalidOperationException("Ray.ExitActor() may only be called from a method of an actor.");
        }
        throw new ActorExitSignal();
    }

    /// <summary>
    /// The live named actors (pending, alive or restarting) in this job's namespace, or in every namespace
    /// with <paramref name="allNamespaces"/> (Ray's <c>list_named_actors</c>). Ordered by namespace, then name.
    /// </summary>
    /// <param name="allNamespaces">True for every namespace's named actors, not only this job's.</param>
    /// <returns>Each actor's name and namespace.</returns>
    public static IReadOnlyList<NamedActorInfo> ListNamedActors(bool allNamespaces = false)
    {
        var worker = CoreWorker.Require();
        var request = new ListNamedActorsRequest { AllNamespaces = allNamespaces, Namespace = worker.Namespace };
        return GcsCalls.Call("Ray.ListNamedActors", deadline => worker.Gcs.ListNamedActors(request, deadline: deadline)).Actors
            .Select(a => new NamedActorInfo(a.Name, a.Namespace))
            .OrderBy(a => a.Namespace, StringComparer.Ordinal)
            .ThenBy(a => a.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Every actor the GCS knows: class, name, state (PENDING, ALIVE, RESTARTING, DEAD with cause), pid and node.</summary>
    /// <returns>The actors.</returns>
    public static IReadOnlyList<ActorInfo> ListActors() =>
        GcsCalls.Call("Ray.ListActors", deadline => CoreWorker.Require().Gcs.ListActors(new Empty(), deadline: deadline)).Actors
            .Select(a => new ActorInfo(
                UniqueId.FromByteString(a.ActorId).ToString(),
                a.ClassName,
                a.Name,
                a.State.ToString().ToUpperInvariant(),
                a.DeathCause,
                a.Pid,
                a.Address is { } address ? UniqueId.FromByteString(address.NodeId).ToString() : "",
                a.NumRestarts))
            .ToList();
}
