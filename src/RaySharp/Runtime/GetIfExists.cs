using Grpc.Core;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// What <c>SetGetIfExists</c> needs beyond the GCS's decision at registration, when the constructor's ref
/// arguments are not ready: the handle must name an actor before <c>Remote()</c> returns, so the creator
/// looks for a live one first and only then waits for its arguments to register its own.
/// </summary>
internal static class GetIfExists
{
    /// <summary>The live actor named as <paramref name="spec"/> is, or null. Only a shortcut: a race is still decided at registration.</summary>
    public static ActorTableEntry? Find(CoreWorker worker, ActorCreationSpec spec)
    {
        try
        {
            return GcsCalls.Call("Ray.Actor(...).SetGetIfExists", deadline =>
                worker.Gcs.GetActorInfo(new GetActorInfoRequest { Name = spec.Name, Namespace = spec.Namespace }, deadline: deadline));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Waits for the constructor's ref arguments and fills them in; a failed one throws here, at the call.</summary>
    public static void ResolveArguments(CoreWorker worker, ActorCreationSpec spec, List<(int Index, ObjectRef Ref)> dependencies, ObjectHold[] holds)
    {
        ErrorInfo? error;
        using (worker.Block())
        {
            error = TaskArguments.ResolveAsync(worker, dependencies, spec.Args, spec.ClassName + " constructor").GetAwaiter().GetResult();
        }
        if (error is not null)
        {
            worker.References.RemoveSubmitted(holds);
            throw ErrorConversion.ToException(error);
        }
    }
}
