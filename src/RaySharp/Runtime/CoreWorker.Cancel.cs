using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime;

/// <summary>
/// Ray.Cancel: the owner of a ref cancels the task or actor call that makes it (<see cref="TaskSubmitter.Cancel"/>,
/// <see cref="ActorClient.Cancel"/>); any other process holding the ref forwards the cancel to the owner, whose
/// address the ref carries (Ray's RemoteCancelTask). A finished or freed task is left as it is.
/// </summary>
internal sealed partial class CoreWorker
{
    public void Cancel(ObjectRef reference, bool force, bool recursive)
    {
        // From inside a task: a cancel of that task landing in this one's locks and RPC would cut them short.
        using var pause = PauseInterrupts();
        var refused = reference.Owner.WorkerId == Address.WorkerId
            ? CancelOwned(reference.Id, force, recursive)
            : ForwardCancel(reference, force, recursive);
        if (refused is not null)
        {
            throw new ArgumentException(refused, nameof(force));
        }
    }

    /// <summary>Cancels the task or actor call that makes <paramref name="id"/>, which this process owns; why not, or null.</summary>
    public string? CancelOwned(ObjectId id, bool force, bool recursive)
    {
        if (!Memory.TryGet(id, out var entry) || entry.IsReady || Submitter.Cancel(id.TaskId, force, recursive))
        {
            return null;
        }
        foreach (var client in _actorClients.Values)
        {
            switch (client.Cancel(id.TaskId, force, recursive))
            {
                case ActorCallCancel.Cancelled:
                    return null;
                case ActorCallCancel.ForceRefused:
                    return $"Ray.Cancel with force is not supported for actor calls ({id} is the result of one): an actor's process holds its state, "
                        + "so it is not killed for one call. Cancel without force, or end the actor with Ray.Kill.";
            }
        }
        // Not pending here any more (finished meanwhile, or a value that no task makes): nothing to cancel.
        return null;
    }

    /// <summary>
    /// A recursive cancel reached the task <paramref name="parentTaskId"/> running here: the tasks and actor calls it
    /// submitted that are still pending are cancelled too (force applies to tasks only, as in Ray).
    /// </summary>
    public void CancelChildren(Google.Protobuf.ByteString parentTaskId, bool force)
    {
        Submitter.CancelChildren(parentTaskId, force);
        foreach (var client in _actorClients.Values)
        {
            client.CancelChildren(parentTaskId);
        }
    }

    /// <summary>Asks the owner of <paramref name="reference"/> to cancel its task; waits for its answer, so a Get after
    /// Ray.Cancel sees the cancel. An owner that is gone has nothing left to cancel (its objects are lost with it).</summary>
    private string? ForwardCancel(ObjectRef reference, bool force, bool recursive)
    {
        try
        {
            var owner = WireChannels.CoreWorker(reference.Owner.Endpoint);
            var reply = owner.CancelTask(new CancelTaskRequest
            {
                TaskId = reference.Id.TaskId.ToByteString(),
                ObjectId = reference.Id.ToByteString(),
                Force = force,
                Recursive = recursive,
            }, deadline: RpcDeadlines.Control());
            return reply.Error.Length > 0 ? reply.Error : null;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled)
        {
            return null;
        }
    }
}
