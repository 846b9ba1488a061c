using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// A submitted task as its owner tracks it until its results are in (and, in the lineage, while its objects live). It
/// keeps what is its own — its id, attempt and arguments — and shares the rest of its spec with the tasks submitted
/// alike (<see cref="Template"/>); the spec a worker gets is made when the task is pushed (<see cref="BuildSpec"/>). A
/// driver with a million tasks queued so holds no million specs, each with its own lists and id bytes.
/// </summary>
internal sealed class PendingTask(TaskShape shape, UniqueId taskId, TaskArg[] args)
{
    /// <summary>What the tasks submitted alike share: the rest of the spec and the options below.</summary>
    public TaskShape Shape { get; } = shape;

    /// <summary>The spec's fields every task submitted alike shares (no task id, attempt or arguments): never changed.</summary>
    public TaskSpec Template => Shape.Spec;

    public UniqueId TaskId { get; } = taskId;

    /// <summary>The spec's arguments; a ref argument's slot is replaced when its object is ready (see <see cref="DependencyResolver"/>).</summary>
    public TaskArg[] Args { get; } = args;

    /// <summary>The run this is: 0 first, one more with each retry or re-run.</summary>
    public int Attempt { get; set; }

    /// <summary>The trace context its spec carries (W3C traceparent and tracestate), when the submission was traced.</summary>
    public TraceContext? Trace { get; set; }

    /// <summary>A traced submission's context, as a spec carries it.</summary>
    public sealed record TraceContext(string Parent, string State);

    /// <summary>The spec as a worker gets it: <see cref="Template"/> with this task's own fields, made anew each time.</summary>
    public TaskSpec BuildSpec()
    {
        var spec = Template.Clone();
        spec.TaskId = TaskId.ToByteString();
        spec.Attempt = Attempt;
        spec.Args.Capacity = Args.Length;
        spec.Args.AddRange(Args);
        if (Trace is { } trace)
        {
            spec.Traceparent = trace.Parent;
            spec.Tracestate = trace.State;
        }
        return spec;
    }

    /// <summary>
    /// The objects the task makes, made from its id when asked (a failure, a re-run): a queued task does not keep an
    /// array of them.
    /// </summary>
    public ObjectId[] ReturnIds
    {
        get
        {
            var ids = new ObjectId[Template.NumReturns];
            for (var k = 0; k < ids.Length; k++)
            {
                ids[k] = new ObjectId(TaskId, k + 1);
            }
            return ids;
        }
    }

    /// <summary>Resources as a stable string: tasks with the same shape share leases (Ray's scheduling class).</summary>
    public string SchedulingKey => Shape.Template.SchedulingKey;

    /// <summary>
    /// What one run of the task takes (with placement-group rewriting applied): the raylet leases workers for it. Not
    /// in the spec, and shared between tasks of the default shape, so never changed once the task exists.
    /// </summary>
    public Google.Protobuf.Collections.MapField<string, double> Resources => Shape.Template.Resources;

    /// <summary>Retries left, for worker deaths and lineage reconstruction alike (Ray's max_retries budget).</summary>
    public int RetriesLeft { get; set; }

    /// <summary>The retries it was given (-1: without limit), for messages.</summary>
    public int MaxRetries => Shape.Template.MaxRetries;

    public SchedulingStrategy Strategy => Shape.Template.Strategy;

    public bool RetryExceptions => Shape.Template.RetryExceptions;

    /// <summary>Why the task's runtime env cannot be set up (its working dir is missing, say): the task fails with it, unrun.</summary>
    public ErrorInfo? SetupError => Shape.Template.SetupError;

    /// <summary>Arguments that are refs not yet ready: (position in <see cref="Args"/>, the ref); null once all are filled in.</summary>
    public (int Index, ObjectRef Ref)[]? Dependencies { get; set; }

    /// <summary>How many of <see cref="Dependencies"/> are filled in, in order (see <see cref="DependencyResolver"/>).</summary>
    public int ResolvedDependencies { get; set; }

    public string FunctionName => Template.FunctionName;

    /// <summary>The objects this task keeps alive until it finishes (see <see cref="TaskArguments.Add"/>).</summary>
    public ObjectHold[] Holds { get; init; } = [];

    /// <summary>
    /// The lineage keeps this task as pending (<see cref="LineageCache.Add(PendingTask, IEnumerable{Common.Ids.ObjectId}?)"/>): the
    /// submitter finds it there, not in a table of its own. Set before the task is submitted, never changed after.
    /// </summary>
    public bool InLineage { get; set; }

    /// <summary>The task whose code submitted this one, if a task did: Ray.Cancel with recursive reaches it from there.</summary>
    public Google.Protobuf.ByteString? ParentTaskId { get; set; }

    private int _cancelled;
    private string? _workerEndpoint;

    /// <summary>Ray.Cancel reached the task: it is never pushed, retried or completed again.</summary>
    public bool IsCancelled => Volatile.Read(ref _cancelled) == 1;

    /// <summary>Marks the task cancelled; false when it already was. A full fence, paired with <see cref="PushTo"/>.</summary>
    public bool MarkCancelled() => Interlocked.Exchange(ref _cancelled, 1) == 0;

    /// <summary>The worker the task was pushed to, until its result or the worker's death is in; null while queued.</summary>
    public string? WorkerEndpoint => Volatile.Read(ref _workerEndpoint);

    /// <summary>
    /// Records that the task goes to a worker (null: back in the queue). A full fence: a Cancel that marks
    /// the task after this sees the worker to tell; one that marked it before is seen by the pusher, which drops it.
    /// </summary>
    public void PushTo(string? endpoint) => Interlocked.Exchange(ref _workerEndpoint, endpoint);

    private int _released;

    /// <summary>The task is done for good (not retried): its arguments no longer keep objects alive.</summary>
    public void ReleaseHolds(ReferenceCounter references)
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            references.RemoveSubmitted(Holds);
        }
    }
}
