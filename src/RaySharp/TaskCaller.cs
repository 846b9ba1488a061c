using RaySharp.Common.Ids;
using Address = RaySharp.Protocol.Address;
using RaySharp.Runtime;

namespace RaySharp;

/// <summary>
/// A remote call being prepared by <c>Ray.Task(...)</c>: set options, then <see cref="Remote"/> submits it
/// and returns a future at once.
/// </summary>
/// <typeparam name="R">The function's result type.</typeparam>
public sealed class TaskCaller<R>
{
    private readonly RemoteFunction _function;
    private readonly object?[] _args;
    private readonly int _refMask;
    // Null until SetResource: most calls keep the default (1 CPU), and then share one demand and one
    // scheduling key instead of building a dictionary, a map and a key string per call.
    private SortedDictionary<string, double>? _resources;
    private int _maxRetries = 3;
    private (bool Enabled, string[] Names) _retryExceptions = RetryExceptionTypes.Any(false);
    // Null until set: an explicit SchedulingStrategy.Default opts out of a capturing parent's group (Ray's "DEFAULT").
    private SchedulingStrategy? _strategy;
    private readonly ObjectRef[]? _gathered;
    private long? _generatorBackpressure;
    private RuntimeEnv? _runtimeEnv;
    private string _name = "";
    private int _maxCalls;

    internal TaskCaller(Delegate function, int refMask, params object?[] args)
    {
        _function = RemoteFunction.Of(function);
        _refMask = refMask;
        _args = args;
        for (var i = 0; i < args.Length; i++)
        {
            if ((refMask >> i & 1) == 1 && args[i] is null)
            {
                throw new ArgumentNullException($"arg{i + 1}", $"Argument {i + 1} of {_function.DisplayName} is a null ObjectRef.");
            }
        }
    }

    /// <summary>A call whose last parameter, an array, is filled from <paramref name="gathered"/> once every ref is ready.</summary>
    internal TaskCaller(Delegate function, ObjectRef[] gathered)
        // No refs: the function gets an empty array, passed as an ordinary argument.
        : this(function, 0b0, gathered is { Length: 0 } ? [Array.CreateInstance(function.Method.GetParameters()[0].ParameterType.GetElementType()!, 0)] : [])
    {
        ArgumentNullException.ThrowIfNull(gathered);
        if (_function.ParameterCodecs.Length != 1)
        {
            throw new ArgumentException($"{_function.DisplayName} must take exactly one parameter, the array the refs fill.", nameof(function));
        }
        for (var i = 0; i < gathered.Length; i++)
        {
            if (gathered[i] is null)
            {
                throw new ArgumentNullException(nameof(gathered), $"Ref {i} of the {gathered.Length} passed to {_function.DisplayName} is null.");
            }
        }
        // Copied: the caller may reuse its array before the call is submitted.
        _gathered = gathered.Length > 0 ? [.. gathered] : null;
    }

    /// <summary>Sets how much of a resource each call needs: "CPU" (default 1), "GPU" or a custom one. 0 removes it.</summary>
    /// <param name="name">The resource's name.</param>
    /// <param name="amount">A whole number, or a fraction of 1 down to 0.0001.</param>
    /// <returns>This caller, for chaining.</returns>
    public TaskCaller<R> SetResource(string name, double amount)
    {
        ResourceValidation.Set(_resources ??= DefaultResources.Copy(), name, amount);
        return this;
    }

    /// <summary>How often the task is re-run when its worker process dies (default 3, as Ray; -1 = without limit).</summary>
    /// <param name="maxRetries">The number of retries, or -1.</param>
    /// <returns>This caller, for chaining.</returns>
    public TaskCaller<R> SetMaxRetries(int maxRetries)
    {
        _maxRetries = ResourceValidation.CheckCount(maxRetries, nameof(maxRetries));
        return this;
    }

    /// <summary>Also retry when user code throws any exception (within the same <see cref="SetMaxRetries"/> budget). Replaces exception types set before.</summary>
    /// <param name="retryExceptions">True to retry on exceptions.</param>
    /// <returns>This caller, for chaining.</returns>
    public TaskCaller<R> SetRetryExceptions(bool retryExceptions)
    {
        _retryExceptions = RetryExceptionTypes.Any(retryExceptions);
        return this;
    }

    /// <summary>
    /// Also retry when user code throws, but only an exception of one of these types or of a type derived
    /// from one (Ray's <c>retry_exceptions=[ValueError]</c>), within the same <see cref="SetMaxRetries"/>
    /// budget; any other exception fails the task at once. The worker that ran the task decides, on the
    /// thrown exception itself.
    /// </summary>
    /// <param name="exceptionTypes">One or more types that derive from <see cref="Exception"/>.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentException">No type, a null, or a type that is not a closed exception type.</exception>
    public TaskCaller<R> SetRetryExceptions(params Type[] exceptionTypes)
    {
        _retryExceptions = RetryExceptionTypes.Only(exceptionTypes, nameof(exceptionTypes));
        return this;
    }

    /// <summary>
    /// The task's name (Ray's <c>.options(name=...)</c>): the state API, the timeline and <see cref="RuntimeContext.TaskName"/>
    /// show it in place of the function's name. Errors still name the function. Empty: the function's name.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public TaskCaller<R> SetName(string name)
    {
        _name = name ?? throw new ArgumentNullException(nameof(name));
        return this;
    }

    /// <summary>
    /// Ray's <c>max_calls</c>: a worker process runs at most <paramref name="maxCalls"/> calls of this function, then exits
    /// and the next calls go to fresh workers, to reclaim what a library leaks or holds (native memory, a GPU context).
    /// Default 0: no limit (Ray's default for CPU tasks; Ray's 1 for GPU tasks is not applied, .NET code rarely needs it).
    /// </summary>
    /// <param name="maxCalls">1 or more, or 0 for no limit.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCalls"/> is negative.</exception>
    public TaskCaller<R> SetMaxCalls(int maxCalls)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCalls);
        _maxCalls = maxCalls;
        return this;
    }

    /// <summary>Where the task may run: <see cref="SchedulingStrategy.Spread"/>, <see cref="SchedulingStrategy.NodeAffinity"/>, <see cref="SchedulingStrategy.PlacementGroup"/>, or the default.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>This caller, for chaining.</returns>
    public TaskCaller<R> SetSchedulingStrategy(SchedulingStrategy strategy)
    {
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        return this;
    }

    /// <summary>
    /// The runtime environment the task runs in (Ray's <c>.options(runtime_env=...)</c>), merged with the job's or,
    /// inside a task, with the one that task runs in (see <see cref="RuntimeEnv"/>). A working dir is uploaded
    /// when the first task with this <see cref="RuntimeEnv"/> object is submitted. When the environment cannot be
    /// set up, getting the task's result throws <see cref="RuntimeEnvSetupException"/>.
    /// </summary>
    /// <param name="runtimeEnv">The environment.</param>
    /// <returns>This caller, for chaining.</returns>
    public TaskCaller<R> SetRuntimeEnv(RuntimeEnv runtimeEnv)
    {
        _runtimeEnv = runtimeEnv ?? throw new ArgumentNullException(nameof(runtimeEnv));
        return this;
    }

    /// <summary>
    /// For <c>RemoteStream()</c> of a generator (Ray's <c>_generator_backpressure_num_objects</c>): the worker pauses the
    /// generator while <paramref name="maxUnconsumedItems"/> of its items are not taken from the stream by this process
    /// yet, and goes on as they are. Default: no limit.
    /// </summary>
    /// <param name="maxUnconsumedItems">1 or more, or -1 for no limit.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxUnconsumedItems"/> is 0 or below -1.</exception>
    public TaskCaller<R> SetGeneratorBackpressure(int maxUnconsumedItems)
    {
        _generatorBackpressure = Runtime.Generators.GeneratorOptions.CheckBackpressure(maxUnconsumedItems);
        return this;
    }

    /// <summary>Submits the call; the returned ref is ready when the task has run.</summary>
    /// <returns>A future for the function's result.</returns>
    public ObjectRef<R> Remote()
    {
        var (ids, owner) = Submit(1);
        return new ObjectRef<R>(ids[0], owner);
    }

    /// <summary>Submits the call with each element of its tuple result as a separate object (Ray's num_returns).</summary>
    internal (ObjectId[] Ids, Address Owner) Submit(int numReturns, bool splitReturns = false)
    {
        Runtime.Generators.GeneratorOptions.RefuseBackpressure(_generatorBackpressure, _function.DisplayName);
        return Submit(numReturns, splitReturns, null);
    }

    /// <summary>Submits the call as a streaming generator (Ray's num_returns="streaming"): see <see cref="TaskCallerExtensions"/>.RemoteStream.</summary>
    internal ObjectRefStream<T> SubmitStream<T>()
    {
        Runtime.Generators.GeneratorOptions.CheckElementType(_function.ResultType, typeof(T), _function.DisplayName);
        ObjectRefStream<T>? stream = null;
        // Registered before the task can run: its first item may come back at once.
        Submit(1, false, endId => stream = ObjectRefStream<T>.Open(CoreWorker.Require(), endId, _function.DisplayName));
        return stream!;
    }

    private (ObjectId[] Ids, Address Owner) Submit(int numReturns, bool splitReturns, Action<ObjectId>? openStream)
    {
        var worker = CoreWorker.Require();
        // On a task's executor thread, a cancel's interrupt must not land in the submit: it holds the arguments' puts and
        // holds, and the submitting thread may write the task to an idle leased worker itself, holding that lease and its
        // connection's writer while it does (an interrupt in one of those locks would leave them taken).
        using var pause = worker.PauseInterrupts();
        var strategy = PlacementGroupDemand.Effective(_strategy);
        var taskId = UniqueId.New();
        var name = _function.DisplayName;
        var env = worker.RuntimeEnvs.For(_runtimeEnv);
        // The demand goes with the task (its scheduling class asks the raylet for it), not in the spec:
        // the worker that runs the task never reads it.
        var (demand, key) = Demand(strategy, env.Key, name);
        if (_maxCalls > 0)
        {
            // Its own class per function and limit: a lease counts the calls of that one function (Ray's is per function).
            key = string.Concat(key, "|max_calls=", _maxCalls.ToString(System.Globalization.CultureInfo.InvariantCulture), "|",
                _function.Method.Module.ModuleVersionId.ToString("N"), ":", _function.Method.MetadataToken.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var setupError = env.Error is { } error
            ? ErrorConversion.System(Protocol.ErrorKind.RuntimeEnvSetup, name, $"The runtime environment of {name} cannot be set up: {error}")
            : null;
        var shape = new TaskTemplate(worker.JobIdBytes, numReturns, splitReturns, _gathered?.Length ?? 0, openStream is not null,
            _generatorBackpressure ?? 0, env.Env, strategy.Group?.GroupId, strategy.Group is not null && strategy.CaptureChildTasks,
            _retryExceptions.Names, key, demand, strategy, _maxRetries, _retryExceptions.Enabled, setupError, _name, _maxCalls).ShapeFor(_function);
        // Only the call's own fields are per task (see PendingTask): the arguments, filled here and kept as an exact array.
        var argList = new Google.Protobuf.Collections.RepeatedField<Protocol.TaskArg> { Capacity = _args.Length + (_gathered?.Length ?? 0) };
        var dependencies = TaskArguments.Add(worker, _function, _args, _refMask, 0, argList, out var holds, _gathered);
        var ids = new ObjectId[numReturns];
        for (var k = 0; k < numReturns; k++)
        {
            ids[k] = new ObjectId(taskId, k + 1);
            worker.Memory.AddPending(ids[k], name);
        }
        var task = new PendingTask(shape, taskId, [.. argList])
        {
            RetriesLeft = _maxRetries < 0 ? int.MaxValue : _maxRetries,
            Dependencies = dependencies is null ? null : worker.FanOut.Dependencies(dependencies),
            Holds = holds,
            // Before the lineage shows it as pending: a recursive cancel of the parent finds it from then on.
            ParentTaskId = Runtime.TaskExecutor.CurrentTask?.TaskId,
        };
        // Objects this process owns that the task takes: their lineage stays while this task's does.
        // (Hot path: most tasks have no such argument, and then nothing is enumerated.)
        List<ObjectId>? arguments = null;
        var args = argList;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].KindCase == Protocol.TaskArg.KindOneofCase.Stored)
            {
                (arguments ??= []).Add(ObjectId.FromByteString(args[i].Stored.ObjectId));
            }
        }
        foreach (var (_, reference) in dependencies ?? [])
        {
            if (reference.Owner.WorkerId == worker.Address.WorkerId)
            {
                (arguments ??= []).Add(reference.Id);
            }
        }
        if (openStream is not null)
        {
            // No lineage: a lost item is not re-created by running the generator again (it fails as lost).
            openStream(ids[0]);
        }
        else
        {
            worker.Lineage.Add(task, arguments);
        }
        worker.Submitter.Submit(task);
        return (ids, worker.Address);
    }

    private (Google.Protobuf.Collections.MapField<string, double> Demand, string Key) Demand(SchedulingStrategy strategy, string runtimeEnvKey, string name)
    {
        if (_resources is null && ReferenceEquals(strategy, SchedulingStrategy.Default) && runtimeEnvKey.Length == 0)
        {
            return (DefaultResources.Demand, DefaultResources.Key);
        }
        var resources = _resources ?? DefaultResources.Sorted;
        var demand = new Google.Protobuf.Collections.MapField<string, double>();
        PlacementGroupDemand.Write(strategy, resources, demand, name);
        return (demand, DefaultResources.SchedulingKey(resources, strategy, runtimeEnvKey));
    }
}
