using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime;

/// <summary>What Ray.Cancel of an actor call found in the caller's <see cref="ActorClient"/>.</summary>
internal enum ActorCallCancel
{
    /// <summary>No pending call of this client has that id (another actor's, or finished).</summary>
    NotFound,

    /// <summary>Dropped here, or the actor was told.</summary>
    Cancelled,

    /// <summary>force: an actor call cannot be killed (Ray's ValueError); nothing was done.</summary>
    ForceRefused,
}

/// <summary>
/// Ray.Cancel of calls this process made to the actor (Ray's ActorTaskSubmitter::CancelTask): a call not sent yet
/// (waiting for its arguments or for the actor) is dropped and fails with RayTaskCancelledException at once; a sent
/// one is never re-sent, and the actor is told, which drops it if it has not started (the call then fails at once
/// too) or signals its token. A running call's result is what the actor returns: an async call ends at its next await
/// on the token (cancelled), a sync one runs to its end (Ray does not interrupt actor calls: the actor has state).
/// </summary>
internal sealed partial class ActorClient
{
    // The endpoint of the incarnation the calls in flight were sent to.
    private volatile string? _endpoint;

    public ActorCallCancel Cancel(UniqueId taskId, bool force, bool recursive)
    {
        ActorCall? queued = null;
        ActorCall? sent = null;
        string? endpoint;
        lock (_lock)
        {
            for (var node = _queue.First; node is not null && queued is null; node = node.Next)
            {
                if (node.Value.TaskId == taskId)
                {
                    queued = node.Value;
                    if (!force)
                    {
                        _queue.Remove(node);
                    }
                }
            }
            if (queued is null && _inFlight.TryGetValue(taskId, out sent) && !force)
            {
                // Cancelled calls are not re-sent when the actor restarts or the method throws (Ray).
                sent.RetriesLeft = 0;
            }
            endpoint = _endpoint;
        }
        if (queued is null && sent is null)
        {
            return ActorCallCancel.NotFound;
        }
        if (force)
        {
            return ActorCallCancel.ForceRefused;
        }
        if (queued is not null)
        {
            Complete(queued, CancelledError(queued, "before it was sent to the actor"));
        }
        else if (endpoint is not null)
        {
            _ = TellActorAsync(endpoint, sent!, recursive);
        }
        return ActorCallCancel.Cancelled;
    }

    /// <summary>Cancels the pending calls that the task <paramref name="parentTaskId"/> made from this process (a recursive cancel).</summary>
    public void CancelChildren(Google.Protobuf.ByteString parentTaskId)
    {
        List<UniqueId> children;
        lock (_lock)
        {
            children = [.. _queue.Concat(_inFlight.Values).Where(c => c.ParentTaskId == parentTaskId).Select(c => c.TaskId)];
        }
        foreach (var id in children)
        {
            Cancel(id, force: false, recursive: true);
        }
    }

    private async Task TellActorAsync(string endpoint, ActorCall call, bool recursive)
    {
        CancelTaskReply reply;
        try
        {
            // On the connection the calls go out on: the cancel follows the call it names once that was written (one sent
            // before that, the actor remembers and drops the call when it arrives).
            var client = WireChannels.TaskPush(endpoint);
            reply = await client.CancelTaskAsync(new CancelTaskRequest { TaskId = call.Spec.TaskId, ActorId = actorId.ToByteString(), Recursive = recursive },
                deadline: RpcDeadlines.Control()).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The actor is gone or going: its stream's end fails the call, which is not re-sent.
            return;
        }
        if (!reply.Dropped)
        {
            return;
        }
        // Queued at the actor and now dropped there: fail it now rather than when the actor reaches it.
        bool pending;
        lock (_lock)
        {
            pending = _inFlight.Remove(call.TaskId);
        }
        if (pending)
        {
            Complete(call, CancelledError(call, "before it started"));
        }
    }

    private ErrorInfo CancelledError(ActorCall call, string when) =>
        ErrorConversion.System(ErrorKind.TaskCancelled, call.Spec.FunctionName,
            $"The call {call.Spec.FunctionName} ({call.TaskId}) of actor {actorId} was cancelled with Ray.Cancel {when}.");
}
