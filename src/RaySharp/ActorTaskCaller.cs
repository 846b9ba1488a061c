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
    private (bool Enabled, string[] Names) _retryExceptions = RetryExceptionTypes.Any(false);

    internal ActorTaskCaller(ActorHandle handle, Delegate method, int refMask, params object?[] args)
    {
        _handle = handle;
        _method = RemoteFunction.Of(method, nameof(method));
        _refMask = refMask;
        _args = args;
    }

    /// <summary>
    /// Also re-run the call when the method throws any exception (Ray's <c>retry_exceptions=True</c> on an
    /// actor method), from the actor's <see cref="ActorCreator{A}.SetMaxTaskRetries"/> budget (default 0: no retry).
    /// </summary>
    /// <param name="retryExceptions">True to retry on exceptions.</param>
    /// <returns>This caller, for chaining.</returns>
    public ActorTaskCaller<R> SetRetryExceptions(bool retryExceptions)
    {
        _retryExceptions = RetryExceptionTypes.Any(retryExceptions);
        return this;
    }

    /// <summary>
    /// Also re-run the call when the method throws an exception of one of these types or of a type derived
    /// from one (Ray's <c>retry_exceptions=[...]</c>), from the actor's <see cref="ActorCreator{A}.SetMaxTaskRetries"/>
    /// budget; any other exception fails the call at once. A re-run goes to the actor after the calls
    /// already sent to it, and sees the state the failed attempt left.
    /// </summary>
    /// <param name="exceptionTypes">One or more types that derive from <see cref="Exception"/>.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentException">No type, a null, or a type that is not a closed exception type.</exception>
    public ActorTaskCaller<R> SetRetryExceptions(params Type[] exceptionTypes)
    {
        _retryExceptions = RetryExceptionTypes.Only(exceptionTypes, nameof(exceptionTypes));
        return this;
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
            RetryExceptionTypes = { _retryExceptions.Names },
        };
        var dependencies = TaskArguments.Add(worker, _method, _args, _refMask, 1, spec.Args, out var holds);
        var id = new ObjectId(taskId, 1);
        var call = new ActorCall(spec, id, dependencies, _handle.MaxTaskRetries, holds)
        {
            RetryExceptions = _retryExceptions.Enabled,
            ParentTaskId = TaskExecutor.CurrentTask?.TaskId,
        };
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
