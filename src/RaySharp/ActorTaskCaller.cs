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
    private long? _generatorBackpressure;
    private string _name = "";
    private string? _concurrencyGroup;
    private int? _maxTaskRetries;

    internal ActorTaskCaller(ActorHandle handle, Delegate method, int refMask, params object?[] args)
    {
        _handle = handle;
        _method = RemoteFunction.Of(method, nameof(method));
        _refMask = refMask;
        _args = args;
    }

    /// <summary>
    /// This call's own retry budget (Ray's <c>.options(max_task_retries=n)</c> on an actor method), in place of the actor's
    /// <see cref="ActorCreator{A}.SetMaxTaskRetries"/>: re-sends after the actor dies with the call in flight (it restarts),
    /// and re-runs on exceptions when <see cref="SetRetryExceptions(bool)"/> allows.
    /// </summary>
    /// <param name="maxTaskRetries">The number of retries, or -1 without limit.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="maxTaskRetries"/> is below -1.</exception>
    public ActorTaskCaller<R> SetMaxTaskRetries(int maxTaskRetries)
    {
        _maxTaskRetries = ResourceValidation.CheckCount(maxTaskRetries, nameof(maxTaskRetries));
        return this;
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

    /// <summary>
    /// The call's name (Ray's <c>.options(name=...)</c> on an actor method): the state API, the timeline and
    /// <see cref="RuntimeContext.TaskName"/> show it in place of the method's name. Empty: the method's name.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public ActorTaskCaller<R> SetName(string name)
    {
        _name = name ?? throw new ArgumentNullException(nameof(name));
        return this;
    }

    /// <summary>
    /// Runs this call in the actor's concurrency group <paramref name="name"/> (Ray's <c>.options(concurrency_group=...)</c>
    /// on a method), in place of the one its method's <see cref="ConcurrencyGroupAttribute"/> names (or the default group).
    /// A name the actor did not define fails the call: its <c>Get</c> throws <see cref="RayTaskException"/> saying which groups it has.
    /// </summary>
    /// <param name="name">The group's name, as the actor defined it with <see cref="ActorCreator{A}.SetConcurrencyGroup"/>.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public ActorTaskCaller<R> SetConcurrencyGroup(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _concurrencyGroup = name;
        return this;
    }

    /// <summary>
    /// For <c>RemoteStream()</c> of a generator method (Ray's <c>_generator_backpressure_num_objects</c>): the actor pauses
    /// the generator while <paramref name="maxUnconsumedItems"/> of its items are not taken from the stream by this
    /// process yet. Default: no limit.
    /// </summary>
    /// <param name="maxUnconsumedItems">1 or more, or -1 for no limit.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxUnconsumedItems"/> is 0 or below -1.</exception>
    public ActorTaskCaller<R> SetGeneratorBackpressure(int maxUnconsumedItems)
    {
        _generatorBackpressure = Runtime.Generators.GeneratorOptions.CheckBackpressure(maxUnconsumedItems);
        return this;
    }

    /// <summary>Submits the call. Calls through handles in one process run in submission order.</summary>
    /// <returns>A future for the method's result.</returns>
    /// <exception cref="PendingCallsLimitExceededException">The actor's SetMaxPendingCalls limit is reached.</exception>
    public ObjectRef<R> Remote()
    {
        Runtime.Generators.GeneratorOptions.RefuseBackpressure(_generatorBackpressure, _method.ActorCallName);
        var (id, owner) = Submit(null);
        return new ObjectRef<R>(id, owner);
    }

    /// <summary>Submits the call as a streaming generator: see <see cref="TaskCallerExtensions"/>.RemoteStream.</summary>
    internal ObjectRefStream<T> SubmitStream<T>()
    {
        Runtime.Generators.GeneratorOptions.CheckElementType(_method.ResultType, typeof(T), _method.ActorCallName);
        ObjectRefStream<T>? stream = null;
        try
        {
            // Registered before the call is sent: its first item may come back at once.
            Submit(endId => stream = ObjectRefStream<T>.Open(CoreWorker.Require(), endId, _method.ActorCallName));
        }
        catch
        {
            stream?.Abandon();
            throw;
        }
        return stream!;
    }

    private (ObjectId Id, Protocol.Address Owner) Submit(Action<ObjectId>? openStream)
    {
        _handle.ThrowIfDisposed();
        var worker = CoreWorker.Require();
        // As for a task (TaskCaller.Submit): a call with nothing in flight is written on this thread, which a cancel's
        // interrupt must not cut short.
        using var pause = worker.PauseInterrupts();
        var taskId = UniqueId.New();
        var spec = new TaskSpec
        {
            TaskId = taskId.ToByteString(),
            JobId = worker.JobIdBytes,
            Function = _method.DescriptorBytes,
            NumReturns = 1,
            // No owner or namespace: the actor client sends them once per stream (TaskBatch.stream_owner).
            FunctionName = _method.ActorCallName,
            Name = _name,
            ConcurrencyGroup = _concurrencyGroup ?? _method.ActorCallGroup,
            ActorId = _handle.IdBytes,
            RetryExceptionTypes = { _retryExceptions.Names },
            StreamingGenerator = openStream is not null,
            GeneratorBackpressure = _generatorBackpressure ?? 0,
        };
        var dependencies = TaskArguments.Add(worker, _method, _args, _refMask, 1, spec.Args, out var holds);
        var id = new ObjectId(taskId, 1);
        var call = new ActorCall(spec, id, dependencies, _maxTaskRetries ?? _handle.MaxTaskRetries, holds)
        {
            RetryExceptions = _retryExceptions.Enabled,
            ParentTaskId = TaskExecutor.CurrentTask?.TaskId,
        };
        openStream?.Invoke(id);
        using var span = Runtime.Tracing.TaskTracing.Submit(spec);
        try
        {
            worker.GetActorClient(_handle.Id).Submit(call, _handle.MaxPendingCalls);
            worker.Counters.Submitted(actorCall: true);
            worker.TaskEvents.Submitted(spec, dependencies is { Count: > 0 } ? Protocol.TaskState.PendingArgsAvail : Protocol.TaskState.SubmittedToWorker, call.ParentTaskId);
        }
        catch
        {
            // Refused (too many pending calls): its arguments hold nothing.
            call.ReleaseHolds(worker.References);
            throw;
        }
        worker.Memory.AddPending(id, _method.ActorCallName);
        return (id, worker.Address);
    }
}
