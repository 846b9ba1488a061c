using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// What a task's spec holds besides its own id, attempt and arguments, for one function called alike (same job, owner,
/// returns, runtime env, placement group, retry exception types...). The tasks submitted alike share one template spec
/// (<see cref="PendingTask.Template"/>); each function keeps the last one made, which serves a loop of calls.
/// </summary>
internal readonly record struct TaskTemplate(
    Google.Protobuf.ByteString JobId, Address Owner, int NumReturns, bool SplitReturns, int GatheredArgs, bool StreamingGenerator,
    long GeneratorBackpressure, Protocol.RuntimeEnv? RuntimeEnv, UniqueId? PlacementGroup, bool CaptureChildTasks, string Namespace,
    string[] RetryExceptionTypes)
{
    /// <summary>The shared spec for this shape of call to <paramref name="function"/>: the cached one when it matches, else a new one.</summary>
    public TaskSpec SpecFor(RemoteFunction function)
    {
        if (function.LastTemplate is { } cached && cached.Shape == this)
        {
            return cached.Spec;
        }
        var spec = new TaskSpec
        {
            JobId = JobId,
            Function = function.DescriptorBytes,
            NumReturns = NumReturns,
            SplitReturns = SplitReturns,
            GatheredArgs = GatheredArgs,
            Owner = Owner,
            FunctionName = function.DisplayName,
            StreamingGenerator = StreamingGenerator,
            GeneratorBackpressure = GeneratorBackpressure,
            RuntimeEnv = RuntimeEnv,
            Namespace = Namespace,
        };
        if (PlacementGroup is { } group)
        {
            spec.PlacementGroupId = group.ToByteString();
            spec.CaptureChildTasks = CaptureChildTasks;
        }
        spec.RetryExceptionTypes.Add(RetryExceptionTypes);
        // Swapped whole: a racing submitter sees one shape with its spec.
        function.LastTemplate = new Cached(this, spec);
        return spec;
    }

    /// <summary>A function's last template (see <see cref="RemoteFunction.LastTemplate"/>).</summary>
    public sealed record Cached(TaskTemplate Shape, TaskSpec Spec);
}
