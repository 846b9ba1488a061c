using RaySharp.Common.Ids;
using RaySharp.Runtime;
using TaskSpec = RaySharp.Protocol.TaskSpec;

namespace RaySharp;

/// <summary>A call of an actor method being prepared by <c>handle.Task(...)</c>; <see cref="Remote"/> submits it.</summary>
/// <typeparam name="R">The method's result type.</typeparam>
public sealed class ActorTaskCaller<R>
{
    private readonly ActorHandle _handle;
    private readonly RemoteFunction _method;
    private readonly object?[] _args;
    private readonly int _refMask;

    internal ActorTaskCaller(ActorHandle handle, Delegate method, int refMask, params object?[] args)
    {
        _handle = handle;
        _method = RemoteFunction.Of(method, nameof(method));
        _refMask = refMask;
        _args = args;
    }

    /// <summary>Submits the call. Calls through handles in one process run in submission order.</summary>
    /// <returns>A future for the method's result.</returns>
    /// <exception cref="PendingCallsLimitExceededException">The actor's SetMaxPendingCalls limit is reached.</exception>
    public ObjectRef<R> Remote()
    {
        _handle.ThrowIfDisposed();
        var worker = CoreWorker.Require();
        var taskId = UniqueId.New();
        var spec = new TaskSpec
        {
            TaskId = taskId.ToByteString(),
            JobId = worker.JobId.ToByteString(),
            Function = _method.Descriptor,
            NumReturns = 1,
            Owner = worker.Address,
            FunctionName = _method.DisplayName,
            ActorId = _handle.Id.ToByteString(),
            Namespace = worker.Namespace,
        };
        var dependencies = TaskArguments.Add(worker, _method, _args, _refMask, 1, spec.Args, out var holds);
        var id = new ObjectId(taskId, 1);
        var call = new ActorCall(spec, id, dependencies, _handle.MaxTaskRetries, holds);
        try
        {
            worker.GetActorClient(_handle.Id).Submit(call, _handle.MaxPendingCalls);
        }
        catch
        {
            // Refused (too many pending calls): its arguments hold nothing.
            call.ReleaseHolds(worker.References);
            throw;
        }
        worker.Memory.AddPending(id, _method.DisplayName);
        return new ObjectRef<R>(id, worker.Address);
    }
}
