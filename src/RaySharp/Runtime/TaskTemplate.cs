using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// What a task holds besides its own id, attempt and arguments, for one function called alike (same job,
/// returns, runtime env, placement group, retry exception types, resources, strategy, retries, name...): its spec's other
/// fields and its options. The tasks submitted alike share one <see cref="TaskShape"/>; each function keeps the last
/// one made, which serves a loop of calls.
/// </summary>
internal readonly record struct TaskTemplate(
    Google.Protobuf.ByteString JobId, int NumReturns, bool SplitReturns, int GatheredArgs, bool StreamingGenerator,
    long GeneratorBackpressure, Protocol.RuntimeEnv? RuntimeEnv, UniqueId? PlacementGroup, bool CaptureChildTasks,
    string[] RetryExceptionTypes, string SchedulingKey, Google.Protobuf.Collections.MapField<string, double> Resources, SchedulingStrategy Strategy,
    int MaxRetries, bool RetryExceptions, ErrorInfo? SetupError, string Name = "", int MaxCalls = 0)
{
    /// <summary>The shared shape of this call to <paramref name="function"/>: the cached one when it matches, else a new one.</summary>
    public TaskShape ShapeFor(RemoteFunction function)
    {
        if (function.LastTemplate is { } cached && cached.Template == this)
        {
            return cached;
        }
        var spec = new TaskSpec
        {
            JobId = JobId,
            Function = function.DescriptorBytes,
            NumReturns = NumReturns,
            SplitReturns = SplitReturns,
            GatheredArgs = GatheredArgs,
            // No owner or namespace: a lease's batches name them (TaskBatch.stream_owner), and each push's clone of
            // this spec copies no address.
            FunctionName = function.DisplayName,
            Name = Name,
            StreamingGenerator = StreamingGenerator,
            GeneratorBackpressure = GeneratorBackpressure,
            RuntimeEnv = RuntimeEnv,
        };
        if (PlacementGroup is { } group)
        {
            spec.PlacementGroupId = group.ToByteString();
            spec.CaptureChildTasks = CaptureChildTasks;
        }
        spec.RetryExceptionTypes.Add(RetryExceptionTypes);
        // Swapped whole: a racing submitter sees one template with its spec.
        var shape = new TaskShape(this, spec);
        function.LastTemplate = shape;
        return shape;
    }
}

/// <summary>A <see cref="TaskTemplate"/> with the spec made from it, shared by the tasks submitted alike; never changed.</summary>
internal sealed class TaskShape(TaskTemplate template, TaskSpec spec)
{
    public TaskTemplate Template { get; } = template;

    /// <summary>The spec's fields the tasks share: no task id, attempt or arguments.</summary>
    public TaskSpec Spec { get; } = spec;
}
