using RaySharp.Common.Ids;
using ActorCreationSpec = RaySharp.Protocol.ActorCreationSpec;
using ActorTableEntry = RaySharp.Protocol.ActorTableEntry;
using ErrorKind = RaySharp.Protocol.ErrorKind;
using RaySharp.Runtime;

namespace RaySharp;

/// <summary>An actor being prepared by <c>Ray.Actor(...)</c>: set options, then <see cref="Remote"/> creates it.</summary>
/// <typeparam name="A">The actor's class.</typeparam>
public sealed class ActorCreator<A>
{
    private readonly RemoteFunction _factory;
    private readonly object?[] _args;
    private readonly int _refMask;
    private readonly SortedDictionary<string, double> _resources = new(StringComparer.Ordinal);
    // Any SetResource, even of 0 CPU: the actor is then placed by what it asked for, not as Ray's default actor.
    private bool _resourcesSet;
    // Null until set: an explicit SchedulingStrategy.Default opts out of a capturing parent's group (Ray's "DEFAULT").
    private SchedulingStrategy? _strategy;
    private string _name = "";
    private string? _namespace;
    private ActorLifetime _lifetime;
    private int _maxConcurrency;
    private SortedDictionary<string, int>? _concurrencyGroups;
    private int _maxPendingCalls = -1;
    private int _maxRestarts;
    private int _maxTaskRetries;
    private bool _getIfExists;
    private ActorIsolation _isolation;
    private RuntimeEnv? _runtimeEnv;

    internal ActorCreator(Delegate factory, int refMask, params object?[] args)
    {
        _factory = RemoteFunction.Of(factory, nameof(factory));
        _refMask = refMask;
        _args = args;
    }

    /// <summary>Names the actor in the job's namespace, so others find it with <see cref="Ray.GetActor{A}(string)"/>.</summary>
    /// <param name="name">A name no other live actor in the namespace has.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _name = name;
        return this;
    }

    /// <summary>
    /// The namespace the actor is created in (Ray's <c>.options(namespace=...)</c>), in place of the job's: its name is
    /// registered and looked up there (<see cref="Ray.GetActor{A}(string, string)"/>, <see cref="SetGetIfExists"/>). Its
    /// code still runs in the job's namespace, as in Ray.
    /// </summary>
    /// <param name="namespace">The namespace: not empty.</param>
    /// <returns>This creator, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="namespace"/> is null, empty or white space.</exception>
    public ActorCreator<A> SetNamespace(string @namespace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(@namespace);
        _namespace = @namespace;
        return this;
    }

    /// <summary>
    /// With a name set, <see cref="Remote"/> returns a handle to the live actor that already has the name in
    /// this namespace instead of throwing (Ray's <c>get_if_exists=True</c>); otherwise it creates the actor.
    /// When several processes do this at once, the GCS creates exactly one actor and every caller gets a
    /// handle to it; the options and constructor arguments of those that found it go unused.
    /// </summary>
    /// <param name="getIfExists">True to get the existing actor; false (the default) to refuse a taken name.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetGetIfExists(bool getIfExists)
    {
        _getIfExists = getIfExists;
        return this;
    }

    /// <summary>Detached actors outlive the driver that created them.</summary>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetLifetime(ActorLifetime lifetime)
    {
        _lifetime = lifetime;
        return this;
    }

    /// <summary>
    /// The runtime environment the actor's worker process is started with (Ray's <c>.options(runtime_env=...)</c>),
    /// merged with its creator's (see <see cref="RuntimeEnv"/>); its method calls and the tasks they submit run in
    /// it. When it cannot be set up, the actor dies and its calls throw <see cref="RayActorException"/> whose inner
    /// exception is a <see cref="RuntimeEnvSetupException"/>. Process actors only: a shared actor takes its job's.
    /// </summary>
    /// <param name="runtimeEnv">The environment.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetRuntimeEnv(RuntimeEnv runtimeEnv)
    {
        _runtimeEnv = runtimeEnv ?? throw new ArgumentNullException(nameof(runtimeEnv));
        return this;
    }

    /// <summary>
    /// Where the actor runs: <see cref="ActorIsolation.Process"/> (the default, a worker process of its own, as
    /// in Ray) or <see cref="ActorIsolation.Shared"/> (with many others in a shared actor-host process of the
    /// job: no process start, a few hundred bytes per actor). A shared actor cannot hold GPUs.
    /// </summary>
    /// <param name="isolation">The isolation.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetIsolation(ActorIsolation isolation)
    {
        if (!Enum.IsDefined(isolation))
        {
            throw new ArgumentException($"Unknown actor isolation {(int)isolation}.", nameof(isolation));
        }
        _isolation = isolation;
        return this;
    }

    /// <summary>Resources the actor holds while it lives (default none: 0 CPU, as Ray's actors once placed).</summary>
    /// <param name="name">The resource's name.</param>
    /// <param name="amount">A whole number, or a fraction of 1 down to 0.0001.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetResource(string name, double amount)
    {
        _resourcesSet = true;
        ResourceValidation.Set(_resources, name, amount);
        return this;
    }

    /// <summary>
    /// Where the actor may be placed: <see cref="SchedulingStrategy.PlacementGroup"/> (in a group's bundle),
    /// <see cref="SchedulingStrategy.NodeAffinity"/>, <see cref="SchedulingStrategy.Spread"/>, or the default.
    /// </summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetSchedulingStrategy(SchedulingStrategy strategy)
    {
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        return this;
    }

    /// <summary>How many calls may run at once (threaded actor; for async actors the default is 1000).</summary>
    /// <param name="maxConcurrency">At least 1.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetMaxConcurrency(int maxConcurrency)
    {
        if (maxConcurrency < 1)
        {
            throw new ArgumentException($"maxConcurrency must be at least 1, not {maxConcurrency}.", nameof(maxConcurrency));
        }
        _maxConcurrency = maxConcurrency;
        return this;
    }

    /// <summary>
    /// Defines a concurrency group (Ray's <c>concurrency_groups={"io": 2}</c>): the calls in it run with their own limit of
    /// <paramref name="maxConcurrency"/> at once, beside the calls of the other groups and of the default group (whose
    /// limit is <see cref="SetMaxConcurrency"/>). A method joins it with <see cref="ConcurrencyGroupAttribute"/>, a call
    /// with <see cref="ActorTaskCaller{R}.SetConcurrencyGroup"/>. Call again for more groups; the same name again replaces its limit.
    /// </summary>
    /// <param name="name">The group's name: not empty.</param>
    /// <param name="maxConcurrency">At least 1.</param>
    /// <returns>This creator, for chaining.</returns>
    /// <exception cref="ArgumentException">An empty name, or a limit below 1.</exception>
    public ActorCreator<A> SetConcurrencyGroup(string name, int maxConcurrency)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (maxConcurrency < 1)
        {
            throw new ArgumentException($"The concurrency group '{name}' must allow at least 1 call at once, not {maxConcurrency}.", nameof(maxConcurrency));
        }
        (_concurrencyGroups ??= new(StringComparer.Ordinal))[name] = maxConcurrency;
        return this;
    }

    /// <summary>The most calls a process may have queued on the actor; one more throws <see cref="PendingCallsLimitExceededException"/>.</summary>
    /// <param name="maxPendingCalls">At least 1, or -1 for no limit (the default).</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetMaxPendingCalls(int maxPendingCalls)
    {
        if (maxPendingCalls < 1 && maxPendingCalls != -1)
        {
            throw new ArgumentException($"maxPendingCalls must be at least 1 (or -1 for no limit), not {maxPendingCalls}.", nameof(maxPendingCalls));
        }
        _maxPendingCalls = maxPendingCalls;
        return this;
    }

    /// <summary>How often the actor is re-created (constructor run again) when its process dies; -1 = always. Default 0.</summary>
    /// <param name="maxRestarts">The number of restarts, or -1.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetMaxRestarts(int maxRestarts)
    {
        _maxRestarts = ResourceValidation.CheckCount(maxRestarts, nameof(maxRestarts));
        return this;
    }

    /// <summary>How often a call in flight when the actor died is run again on the restarted actor; -1 = always. Default 0.</summary>
    /// <param name="maxTaskRetries">The number of retries, or -1.</param>
    /// <returns>This creator, for chaining.</returns>
    public ActorCreator<A> SetMaxTaskRetries(int maxTaskRetries)
    {
        _maxTaskRetries = ResourceValidation.CheckCount(maxTaskRetries, nameof(maxTaskRetries));
        return this;
    }

    /// <summary>
    /// Creates the actor. Creation is asynchronous: calls may be made at once and run once it is up. With
    /// <see cref="SetGetIfExists"/> and a name a live actor already has, returns a handle to that actor; if
    /// constructor arguments are refs not yet ready, it first waits for them (the GCS decides which actor the
    /// handle names when it registers one, and registering needs the arguments) unless the actor already exists.
    /// </summary>
    /// <returns>The actor's handle.</returns>
    /// <exception cref="ArgumentException">The name is taken by a live actor (and <see cref="SetGetIfExists"/> is not set).</exception>
    /// <exception cref="InvalidOperationException"><see cref="SetGetIfExists"/> is set but no name is.</exception>
    /// <exception cref="ArgumentException">A shared actor (<see cref="ActorIsolation.Shared"/>) asks for a GPU or a runtime environment of its own.</exception>
    public ActorHandle<A> Remote()
    {
        if (_isolation == ActorIsolation.Shared && _runtimeEnv is not null)
        {
            throw new ArgumentException(
                $"A shared actor of {typeof(A).Name} cannot have a runtime environment of its own: it runs in a host process with other actors, "
                + "in its job's environment. Use SetIsolation(ActorIsolation.Process) for an actor that needs its own runtime environment.");
        }
        if (_isolation == ActorIsolation.Shared && _resources.TryGetValue("GPU", out var gpus) && gpus > 0)
        {
            throw new ArgumentException(
                $"A shared actor of {typeof(A).Name} cannot hold a GPU ({gpus}): the GPUs of a shared host would be every actor's. "
                + "Use SetIsolation(ActorIsolation.Process) for an actor that needs a GPU (or a runtime environment of its own).");
        }
        if (_getIfExists && _name.Length == 0)
        {
            throw new InvalidOperationException(
                $"SetGetIfExists(true) on an actor of {typeof(A).Name} needs a name: call SetName too (only named actors can be found again).");
        }
        var worker = CoreWorker.Require();
        var id = UniqueId.New();
        var env = worker.RuntimeEnvs.For(_runtimeEnv);
        var spec = new ActorCreationSpec
        {
            RuntimeEnv = env.Env,
            ActorId = id.ToByteString(),
            JobId = worker.JobId.ToByteString(),
            Factory = _factory.Descriptor,
            Name = _name,
            Namespace = _namespace ?? worker.Namespace,
            JobNamespace = _namespace is null || _namespace == worker.Namespace ? "" : worker.Namespace,
            Detached = _lifetime == ActorLifetime.Detached,
            MaxRestarts = _maxRestarts,
            MaxTaskRetries = _maxTaskRetries,
            MaxConcurrency = _maxConcurrency,
            ClassName = typeof(A).Name,
            Owner = worker.Address,
            GetIfExists = _getIfExists,
            Shared = _isolation == ActorIsolation.Shared,
        };
        if (_concurrencyGroups is { } groups)
        {
            spec.ConcurrencyGroups.Add(groups);
        }
        var strategy = PlacementGroupDemand.Effective(_strategy);
        PlacementGroupDemand.Write(strategy, _resources, spec.Resources, $"Actor {typeof(A).Name}");
        spec.Strategy = strategy.Kind;
        spec.AffinitySoft = strategy.Soft;
        if (strategy.NodeId.Length > 0)
        {
            UniqueId.TryParse(strategy.NodeId, out var node);
            spec.AffinityNodeId = node.ToByteString();
        }
        if (strategy.Group is { } group)
        {
            spec.PlacementGroupId = group.GroupId.ToByteString();
            spec.CaptureChildTasks = strategy.CaptureChildTasks;
        }
        // Ray's default actor: 1 CPU to be placed, none held (a group's actor goes where its bundle is).
        spec.DefaultResources = !_resourcesSet && strategy.Group is null;
        // The creation arguments stay held: a restart re-creates the actor from them (as in Ray, until the
        // actor is dead for good).
        if (env.Error is { } envError)
        {
            // Never registered: the actor is dead from the start, and says why (as Ray's RuntimeEnvSetupError does).
            var setup = ErrorConversion.System(Protocol.ErrorKind.RuntimeEnvSetup, spec.ClassName,
                $"The runtime environment of actor {spec.ClassName} cannot be set up: {envError}");
            worker.GetActorClient(id).SetDead(ErrorConversion.ActorDied(spec.ActorId, spec.ClassName,
                $"The actor {spec.ClassName} could not be created: {setup.Message}", setup));
            return new ActorHandle<A>(id, _maxTaskRetries, _maxPendingCalls);
        }
        var dependencies = TaskArguments.Add(worker, _factory, _args, _refMask, 0, spec.Args, out var holds);
        if (dependencies is not null && _getIfExists)
        {
            if (GetIfExists.Find(worker, spec) is { } found)
            {
                worker.References.RemoveSubmitted(holds);
                return HandleTo(found);
            }
            GetIfExists.ResolveArguments(worker, spec, dependencies, holds);
            dependencies = null;
        }
        if (dependencies is null)
        {
            ActorTableEntry? existing;
            try
            {
                existing = Register(worker, spec);
            }
            catch
            {
                worker.References.RemoveSubmitted(holds);
                throw;
            }
            if (existing is not null)
            {
                // Another creator's actor has the name: this one's arguments were never used.
                worker.References.RemoveSubmitted(holds);
                return HandleTo(existing);
            }
            CreationArgumentHolds.ReleaseWhenDead(worker, id, holds);
        }
        else
        {
            worker.GetActorClient(id).Registration = RegisterWhenResolvedAsync(worker, spec, dependencies, holds);
        }
        return new ActorHandle<A>(id, _maxTaskRetries, _maxPendingCalls);
    }

    /// <summary>A handle to an actor another creator made: its task retries come with it (as with GetActor), the pending-call limit is ours.</summary>
    private ActorHandle<A> HandleTo(ActorTableEntry entry) => new(UniqueId.FromByteString(entry.ActorId), entry.MaxTaskRetries, _maxPendingCalls);

    /// <summary>Registers the actor with the GCS; the live actor of its name when get_if_exists found one, else null.</summary>
    private static ActorTableEntry? Register(CoreWorker worker, ActorCreationSpec spec)
    {
        var creation = Submitting(spec);
        using var span = creation.Span;
        var reply = GcsCalls.Call("Creating an actor", deadline => worker.Gcs.RegisterActor(spec, deadline: deadline));
        if (reply.Error.Length > 0)
        {
            throw new ArgumentException(reply.Error);
        }
        if (reply.Existing is null)
        {
            Submitted(worker, creation.Task);
        }
        return reply.Existing;
    }

    /// <summary>
    /// The creation's submission span (Ray's creation task), its trace context written into <paramref name="spec"/> so
    /// the constructor's span on the actor's worker joins the creator's trace.
    /// </summary>
    private static (Protocol.TaskSpec Task, System.Diagnostics.Activity? Span) Submitting(ActorCreationSpec spec)
    {
        var task = Runtime.ActorExecutor.CreationTask(spec, numRestarts: 0);
        var span = Runtime.Tracing.TaskTracing.Submit(task);
        spec.Traceparent = task.Traceparent;
        spec.Tracestate = task.Tracestate;
        return (task, span);
    }

    /// <summary>The creation task's first event: registered with the GCS, which now looks for a place for it.</summary>
    private static void Submitted(CoreWorker worker, Protocol.TaskSpec creation) =>
        worker.TaskEvents.Submitted(creation, Protocol.TaskState.PendingNodeAssignment, TaskExecutor.CurrentTask?.TaskId);

    private static async Task RegisterWhenResolvedAsync(CoreWorker worker, ActorCreationSpec spec, List<(int Index, ObjectRef Ref)> dependencies,
        ObjectHold[] holds)
    {
        var id = UniqueId.FromByteString(spec.ActorId);
        var error = await TaskArguments.ResolveAsync(worker, dependencies, spec.Args, spec.ClassName + " constructor").ConfigureAwait(false);
        if (error is null)
        {
            Protocol.RegisterActorReply reply;
            var creation = Submitting(spec);
            try
            {
                using var span = creation.Span;
                reply = await GcsCalls.CallAsync("Creating an actor", deadline => worker.Gcs.RegisterActorAsync(spec, deadline: deadline).ResponseAsync).ConfigureAwait(false);
            }
            catch
            {
                worker.References.RemoveSubmitted(holds);
                throw;
            }
            if (reply.Error.Length == 0)
            {
                Submitted(worker, creation.Task);
                CreationArgumentHolds.ReleaseWhenDead(worker, id, holds);
                return;
            }
            error = ErrorConversion.System(ErrorKind.TaskError, spec.ClassName, reply.Error);
        }
        worker.References.RemoveSubmitted(holds);
        worker.GetActorClient(id).SetDead(ErrorConversion.ActorDied(spec.ActorId, spec.ClassName,
            $"The actor {spec.ClassName} could not be created: {error.Message}", error));
    }
}
