using System.Reflection;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The actor hosted by this worker process: its instance and how its calls run. A class with async
/// methods is an async actor: calls start in arrival order on the actor's event loop and interleave at
/// awaits, up to MaxConcurrency at once (Ray's default 1000). Otherwise calls run on MaxConcurrency
/// threads (default 1: strictly one at a time, in arrival order — per caller, submission order).
/// A shared actor (one of many in a shared actor host) has no thread of its own: its calls, and an async
/// actor's continuations, run on the thread pool through its <see cref="ActorMailbox"/>, with the same order
/// and concurrency rules.
/// </summary>
internal sealed class ActorExecutor
{
    public const int DefaultAsyncConcurrency = 1000;

    private readonly CoreWorker _worker;
    private readonly ExecutorQueue<(TaskSpec Spec, ResultStream Stream)>? _queue;
    private readonly SynchronizationContext? _loop;
    private readonly SemaphoreSlim? _asyncSlots;
    private readonly ActorMailbox? _mailbox;
    // Ray's concurrency groups, by name (null: the actor defined none): each runs its calls as the default group does
    // (threads, slots or a mailbox of its own), with its own limit.
    private readonly Dictionary<string, ConcurrencyGroup>? _groups;

    /// <summary>A concurrency group's own way to run calls: the one of the three the actor's kind uses.</summary>
    private sealed record ConcurrencyGroup(ExecutorQueue<(TaskSpec Spec, ResultStream Stream)>? Queue, SemaphoreSlim? Slots, ActorMailbox? Mailbox);

    private ActorExecutor(CoreWorker worker, ActorCreationSpec spec, object instance, ActorIdentity identity)
    {
        _worker = worker;
        ActorId = identity.Id;
        Instance = instance;
        Identity = identity;
        Shared = spec.Shared;
        if (!spec.PlacementGroupId.IsEmpty)
        {
            _placementGroup = (spec.PlacementGroupId, spec.CaptureChildTasks);
        }
        var isAsync = IsAsyncClass(instance.GetType());
        if (isAsync)
        {
            _loop = spec.Shared ? new ActorMailbox(1) : new ActorEventLoop();
            _asyncSlots = new SemaphoreSlim(spec.MaxConcurrency > 0 ? spec.MaxConcurrency : DefaultAsyncConcurrency);
        }
        else if (spec.Shared)
        {
            _mailbox = new ActorMailbox(spec.MaxConcurrency);
        }
        else
        {
            _queue = StartThreads(Math.Max(1, spec.MaxConcurrency), "RaySharp actor ");
        }
        if (spec.ConcurrencyGroups.Count > 0)
        {
            _groups = new Dictionary<string, ConcurrencyGroup>(StringComparer.Ordinal);
            foreach (var (name, limit) in spec.ConcurrencyGroups)
            {
                // An async actor's groups share its event loop (Ray gives each its own): their calls interleave at awaits.
                _groups[name] = isAsync ? new ConcurrencyGroup(null, new SemaphoreSlim(Math.Max(1, limit)), null)
                    : spec.Shared ? new ConcurrencyGroup(null, null, new ActorMailbox(Math.Max(1, limit)))
                    : new ConcurrencyGroup(StartThreads(Math.Max(1, limit), $"RaySharp actor {name} "), null, null);
            }
        }
    }

    private ExecutorQueue<(TaskSpec, ResultStream)> StartThreads(int count, string namePrefix)
    {
        var queue = new ExecutorQueue<(TaskSpec, ResultStream)>(count);
        for (var i = 0; i < count; i++)
        {
            new Thread(() => RunThread(queue)) { IsBackground = true, Name = namePrefix + i }.Start();
        }
        return queue;
    }

    public UniqueId ActorId { get; }

    public object Instance { get; }

    /// <summary>Who the actor is, as its code sees it (the runtime context); the instance its constructor saw.</summary>
    public ActorIdentity Identity { get; }

    /// <summary>One of many actors in a shared actor host (<see cref="ActorIsolation.Shared"/>).</summary>
    public bool Shared { get; }

    // The placement group the actor was created in, and whether it captures its children: stamped on each call's spec,
    // so code in a method sees the group (Ray.GetCurrentPlacementGroup) and the tasks and actors it creates without a
    // strategy of their own join it, as they do in the constructor. A call's spec carries no group of its own.
    private readonly (Google.Protobuf.ByteString Id, bool Capture)? _placementGroup;

    /// <summary>Set by Ray.ExitActor(): the process goes once the current call's result is sent.</summary>
    public bool Exiting { get; set; }

    // Set when the GCS kills the actor: the process exits a moment later, and no call may start meanwhile.
    private volatile bool _killed;

    private readonly ActorCallCancellation _cancellation = new();

    /// <summary>Ray.Cancel of a call to this actor: see <see cref="ActorCallCancellation"/>.</summary>
    public bool Cancel(UniqueId taskId) => _cancellation.Cancel(taskId);

    /// <summary>
    /// The GCS killed this actor (Ray.Kill, its job ended): calls that have not started never will, and get
    /// no answer from here — the stream breaks when the process exits, and each caller handles that as the
    /// actor's death (a retry on the restarted actor when it may, else RayActorException). So once Ray.Kill
    /// returns, no call from any process starts on this actor.
    /// </summary>
    public void Kill() => _killed = true;

    /// <summary>
    /// The actor's creation as a task (Ray's ACTOR_CREATION_TASK, named <c>Class.__init__</c> as Ray names it): its id
    /// is the actor's, its attempt the restart count, so the task events of each incarnation are one record each.
    /// Without its arguments or its function's bytes: the events and spans need only what it is, and the factory runs
    /// from the creation spec.
    /// </summary>
    public static TaskSpec CreationTask(ActorCreationSpec spec, int numRestarts) => new()
    {
        TaskId = spec.ActorId,
        ActorId = spec.ActorId,
        JobId = spec.JobId,
        Attempt = numRestarts,
        FunctionName = spec.ClassName + ".__init__",
        Traceparent = spec.Traceparent,
        Tracestate = spec.Tracestate,
        // The constructor runs in the actor's group: it sees it, and its children join it when the actor captures them.
        PlacementGroupId = spec.PlacementGroupId,
        CaptureChildTasks = spec.CaptureChildTasks,
    };

    /// <summary>Runs the actor's constructor (or factory); an exception propagates to the GCS as the creation error.</summary>
    public static ActorExecutor Create(CoreWorker worker, ActorCreationSpec spec, int numRestarts)
    {
        var factory = FunctionInvoker.Resolve(spec.Factory);
        var creation = CreationTask(spec, numRestarts);
        creation.Args.AddRange(spec.Args);
        object instance;
        // The constructor sees its own actor as the current one: a process actor's for the process's lifetime, a shared
        // host's (which runs many) for the constructor's own code.
        var identity = ActorIdentity.Of(spec, numRestarts);
        var previous = CoreWorker.CurrentSharedActor;
        if (spec.Shared)
        {
            CoreWorker.CurrentSharedActor = identity;
        }
        else
        {
            worker.ActorIdentity = identity;
        }
        // The constructor is the creation task (Ray's): its code sees that task's id and the actor's placement group. A
        // copy without the arguments: work the constructor starts keeps it as its current task for as long as it runs.
        var previousTask = TaskExecutor.CurrentTask;
        TaskExecutor.CurrentTask = CreationTask(spec, numRestarts);
        try
        {
            instance = factory.Invoke(TaskRunner.DecodeArguments(worker, creation, factory))
                ?? throw new InvalidOperationException($"The factory of actor {spec.ClassName} returned null.");
        }
        finally
        {
            CoreWorker.CurrentSharedActor = previous;
            TaskExecutor.CurrentTask = previousTask;
        }
        return new ActorExecutor(worker, spec, instance, identity);
    }

    /// <summary>Queues a call; <paramref name="submittedInline"/> says its caller wrote it alone (<see cref="TaskBatch.SubmittedInline"/>):
    /// an actor with a thread of its own (one thread, or an async actor's event loop; not shared) then spins a moment for
    /// the next call after it.</summary>
    public void Enqueue(TaskSpec spec, ResultStream stream, bool submittedInline)
    {
        ConcurrencyGroup? group = null;
        if (spec.ConcurrencyGroup.Length > 0 && (_groups is null || !_groups.TryGetValue(spec.ConcurrencyGroup, out group)))
        {
            var refused = TaskRunner.Failure(spec, new ArgumentException(
                $"The actor {Instance.GetType().Name} ({ActorId}) has no concurrency group '{spec.ConcurrencyGroup}' for {spec.FunctionName}; it has "
                + (_groups is null ? "only the default group." : $"{string.Join(", ", _groups.Keys)} and the default group.")), spec.FunctionName);
            // A retry would be refused alike: never retried, whatever the call's exception retries allow.
            refused.RetryableError = false;
            Finish(spec, stream, refused);
            return;
        }
        if (!_cancellation.Queued(spec))
        {
            stream.Finished(ActorCallCancellation.DroppedResult(spec));
            return;
        }
        if (_placementGroup is { } placement)
        {
            spec.PlacementGroupId = placement.Id;
            spec.CaptureChildTasks = placement.Capture;
        }
        if (_mailbox is not null)
        {
            (group?.Mailbox ?? _mailbox).Post(static state =>
            {
                var (executor, spec, stream) = ((ActorExecutor, TaskSpec, ResultStream))state!;
                if (!executor._killed)
                {
                    executor.Finish(spec, stream, executor.RunSync(spec));
                }
            }, (this, spec, stream));
        }
        else if (_queue is not null)
        {
            (group?.Queue ?? _queue).Add((spec, stream), submittedInline);
        }
        else
        {
            PostAsyncCall(spec, stream, group?.Slots ?? _asyncSlots!, submittedInline);
        }
    }

    // Apart from Enqueue: a lambda there that captured its parameters made the compiler allocate their closure at its
    // entry, for every call of every actor kind, not only the async ones that need it.
    private void PostAsyncCall(TaskSpec spec, ResultStream stream, SemaphoreSlim slots, bool submittedInline)
    {
        if (_loop is ActorEventLoop own)
        {
            own.PostCall(_ => _ = RunAsyncCall(spec, stream, slots), null, submittedInline);
        }
        else
        {
            _loop!.Post(_ => _ = RunAsyncCall(spec, stream, slots), null);
        }
    }

    // A loop, not LINQ: every actor worker runs this, and System.Linq stays out of workers. Inherited methods count too (an
    // async method of a base class makes an async actor, as in Ray).
    internal static bool IsAsyncClass(Type type)
    {
        foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            // Methods only (a Task-typed property is not an async method), and the application's own: a framework base
            // class (a hosted service's StartAsync) does not make its subclass an async actor.
            if (m.IsSpecialName || m.DeclaringType is not { } declaring || IsFrameworkType(declaring))
            {
                continue;
            }
            var rt = m.ReturnType;
            if (typeof(System.Threading.Tasks.Task).IsAssignableFrom(rt) || rt == typeof(ValueTask)
                || (rt.IsGenericType && rt.GetGenericTypeDefinition() == typeof(ValueTask<>))
                // An async generator method makes an async actor too, as in Ray (its items are produced on the event loop).
                || (rt.IsGenericType && rt.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>)))
            {
                return true;
            }
        }
        return false;
    }

    // Framework types: signed with one of Microsoft's keys, or in the System or Microsoft namespaces themselves (their
    // packages signed with other keys, e.g. Microsoft.Data.SqlClient). Whole namespace segments only: a user namespace
    // such as "MicrosoftTeamsBot" or "SystemTools" is the application's own.
    private static bool IsFrameworkType(Type type)
    {
        if (type.Assembly == typeof(object).Assembly)
        {
            return true;
        }
        if (type.Namespace is "System" or "Microsoft"
            || type.Namespace?.StartsWith("System.", StringComparison.Ordinal) == true
            || type.Namespace?.StartsWith("Microsoft.", StringComparison.Ordinal) == true)
        {
            return true;
        }
        var token = type.Assembly.GetName().GetPublicKeyToken();
        return token is { Length: 8 } && FrameworkKeyTokens.Contains(Convert.ToHexStringLower(token));
    }

    // The tokens of the keys .NET's own assemblies and Microsoft's packages (Microsoft.Extensions.*, ASP.NET Core) are
    // signed with.
    private static readonly HashSet<string> FrameworkKeyTokens =
        ["b77a5c561934e089", "b03f5f7f11d50a3a", "7cec85d7bea7798e", "cc7b13ffcd2ddd51", "adb9793829ddae60", "31bf3856ad364e35"];

    private void RunThread(ExecutorQueue<(TaskSpec Spec, ResultStream Stream)> queue)
    {
        while (true)
        {
            var (spec, stream) = queue.Take();
            if (_killed)
            {
                return;
            }
            var span = Tracing.TaskTracing.Execute(spec);
            _worker.Counters.Started(actorCall: true);
            var result = RunSync(spec);
            _worker.Counters.Ended(actorCall: true, result);
            Tracing.TaskTracing.Ended(span, result);
            Finish(spec, stream, result);
        }
    }

    private TaskResult RunSync(TaskSpec spec)
    {
        using var cancellation = _cancellation.Start(spec, interruptsWaits: false);
        if (cancellation.Dropped)
        {
            return ActorCallCancellation.DroppedResult(spec);
        }
        TaskExecutor.CurrentTask = spec;
        _worker.TaskEvents.Started(spec);
        if (Shared)
        {
            CoreWorker.CurrentSharedActor = Identity;
        }
        var name = spec.FunctionName;
        try
        {
            var invoker = FunctionInvoker.Resolve(spec.Function);
            name = invoker.DisplayName;
            var value = invoker.Invoke(TaskRunner.DecodeArguments(_worker, spec, invoker, Instance, hasLeading: true));
            return spec.StreamingGenerator
                ? Generators.GeneratorRunner.RunAsync(_worker, spec, invoker, value, sync: true, TaskExecutor.CurrentCancellation).GetAwaiter().GetResult()
                : TaskRunner.Success(_worker, spec, invoker, value);
        }
        catch (Exception ex)
        {
            return Fail(spec, ex, name);
        }
        finally
        {
            TaskExecutor.CurrentTask = null;
            if (Shared)
            {
                CoreWorker.CurrentSharedActor = null;
            }
        }
    }

    private async Task RunAsyncCall(TaskSpec spec, ResultStream stream, SemaphoreSlim slots)
    {
        // Started on the loop in arrival order; the slot wait keeps at most MaxConcurrency calls running.
        await slots.WaitAsync();
        if (_killed)
        {
            return;
        }
        using var cancellation = _cancellation.Start(spec, interruptsWaits: true);
        if (cancellation.Dropped)
        {
            slots.Release();
            Finish(spec, stream, ActorCallCancellation.DroppedResult(spec));
            return;
        }
        TaskResult result;
        var name = spec.FunctionName;
        // A call Ray.Cancel stopped waiting for while its method still runs: it holds its slot until the method ends.
        System.Threading.Tasks.Task? abandoned = null;
        TaskExecutor.CurrentTask = spec;
        _worker.TaskEvents.Started(spec);
        var span = Tracing.TaskTracing.Execute(spec);
        _worker.Counters.Started(actorCall: true);
        if (Shared)
        {
            CoreWorker.CurrentSharedActor = Identity;
        }
        try
        {
            var invoker = FunctionInvoker.Resolve(spec.Function);
            name = invoker.DisplayName;
            var value = invoker.Call(TaskRunner.DecodeArguments(_worker, spec, invoker, Instance, hasLeading: true));
            if (invoker.IsAsync)
            {
                var task = (System.Threading.Tasks.Task)value!;
                if (!task.IsCompleted)
                {
                    // Ray cancels the asyncio task, which ends at its next await of any kind: the caller gets
                    // TaskCancelledError at once even when the method awaits something that ignores the token. .NET
                    // cannot stop the method there: it runs on, unobserved, its result dropped.
                    var cancelled = TaskExecutor.CurrentCancellation;
                    try
                    {
                        await task.WaitAsync(cancelled);
                    }
                    catch (OperationCanceledException) when (cancelled.IsCancellationRequested && !task.IsCompleted)
                    {
                        abandoned = task;
                        throw;
                    }
                }
                value = invoker.ResultOf(task);
            }
            // A streaming generator goes on here, on the actor's event loop: its items interleave with other calls at awaits.
            result = spec.StreamingGenerator
                ? await Generators.GeneratorRunner.RunAsync(_worker, spec, invoker, value, sync: false, TaskExecutor.CurrentCancellation)
                : TaskRunner.Success(_worker, spec, invoker, value);
        }
        catch (Exception ex)
        {
            result = Fail(spec, ex, name);
        }
        finally
        {
            TaskExecutor.CurrentTask = null;
            if (abandoned is null)
            {
                slots.Release();
            }
            else
            {
                // MaxConcurrency holds: the next call starts only once the cancelled method has really ended (as Ray's
                // slot is freed when the cancelled coroutine stops); what it ends with is observed here.
                _ = abandoned.ContinueWith(static (t, state) =>
                {
                    _ = t.Exception;
                    ((SemaphoreSlim)state!).Release();
                }, slots, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        _worker.Counters.Ended(actorCall: true, result);
        Tracing.TaskTracing.Ended(span, result);
        Finish(spec, stream, result);
    }

    private TaskResult Fail(TaskSpec spec, Exception ex, string name)
    {
        if (ex is ActorExitSignal || ex.InnerException is ActorExitSignal)
        {
            Exiting = true;
            // As in Ray, no call queued behind this one starts (they fail as the actor's death when its process goes).
            _killed = true;
            return TaskRunner.Failure(spec, ErrorConversion.ActorDied(spec.ActorId, name, "The actor exited via Ray.ExitActor()."));
        }
        return TaskRunner.Failure(spec, ex, name);
    }

    /// <summary>Calls (or an async actor's continuations) wait behind the one that just finished: more results follow soon.</summary>
    private bool MoreWorkWaiting => _queue is { Count: > 0 } || _mailbox is { HasQueued: true }
        || _loop is ActorEventLoop { HasQueued: true } || _loop is ActorMailbox { HasQueued: true };

    private void Finish(TaskSpec spec, ResultStream stream, TaskResult result)
    {
        _worker.TaskEvents.Ended(spec, result);
        // Calls waiting behind this one: the result goes out from the pool with those that finish meanwhile (see
        // ResultStream.Finished); else at once, from this thread. A shared or async actor's waiting calls are in its
        // mailbox or event loop: without looking there, each of their results went out in a write of its own.
        stream.Finished(result, moreQueued: MoreWorkWaiting);
        _worker.References.CollectDroppedBorrows();
        if (Exiting)
        {
            _ = _worker.ExitActorAsync(this);
        }
    }
}

/// <summary>Thrown by Ray.ExitActor() to leave the actor's method; the executor turns it into the actor's exit.</summary>
internal sealed class ActorExitSignal : Exception
{
    public ActorExitSignal() : base("The actor exits (Ray.ExitActor).")
    {
    }
}
