using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>One call of an actor method as its caller tracks it.</summary>
internal sealed class ActorCall(TaskSpec spec, ObjectId returnId, List<(int Index, ObjectRef Ref)>? dependencies, int retries, ObjectHold[] holds)
{
    private int _released;

    /// <summary>The objects this call keeps alive until it finishes (see <see cref="TaskArguments.Add"/>).</summary>
    public ObjectHold[] Holds { get; } = holds;

    /// <summary>The call is done for good: its arguments no longer keep objects alive.</summary>
    public void ReleaseHolds(ReferenceCounter references)
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            references.RemoveSubmitted(Holds);
        }
    }

    public TaskSpec Spec { get; } = spec;

    public ObjectId ReturnId { get; } = returnId;

    public UniqueId TaskId { get; } = UniqueId.FromByteString(spec.TaskId);

    public List<(int Index, ObjectRef Ref)>? Dependencies { get; } = dependencies;

    /// <summary>Also re-sent when the method threw an exception the worker found retryable (Ray's retry_exceptions on an actor task).</summary>
    public bool RetryExceptions { get; init; }

    /// <summary>Re-sends left after the actor dies with this call in flight, or it threw a retryable exception (Ray's max_task_retries; -1 = always).</summary>
    public int RetriesLeft { get; set; } = retries;

    /// <summary>Completes when the call's ref arguments are ready; its value is the error of a failed one.</summary>
    public Task<ErrorInfo?>? Resolution { get; set; }

    public bool IsReady => Resolution is null || Resolution.IsCompleted;

    /// <summary>The task or actor call whose code made this call, if one did: a recursive Ray.Cancel of it reaches this call.</summary>
    public Google.Protobuf.ByteString? ParentTaskId { get; init; }
}
