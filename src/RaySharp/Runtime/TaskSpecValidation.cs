using Google.Protobuf;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Checks a pushed task's spec before a worker queues it: it has an owner, its ids decode and its return count is sane. The
/// executor decodes these on its own threads, where a malformed id would end the process and a huge
/// num_returns would allocate an error value per return (the fuzzer found both).
/// </summary>
internal static class TaskSpecValidation
{
    /// <summary>The most returns a call may ask for (Ray's scale tests use 3,000); far below what would exhaust memory.</summary>
    public const int MaxReturns = 65_536;

    /// <summary>Why <paramref name="spec"/> cannot run, or null when it can.</summary>
    public static string? Problem(TaskSpec spec)
    {
        if (spec.TaskId.Length != 16)
        {
            return $"A task id is 16 bytes, not {spec.TaskId.Length}.";
        }
        if (spec.NumReturns is < 0 or > MaxReturns)
        {
            return $"num_returns must be between 0 and {MaxReturns}, not {spec.NumReturns}.";
        }
        if (spec.GatheredArgs < 0 || spec.GatheredArgs > spec.Args.Count)
        {
            return $"gathered_args must be between 0 and the {spec.Args.Count} args, not {spec.GatheredArgs}.";
        }
        if (spec.StreamingGenerator && (spec.NumReturns != 1 || spec.SplitReturns || spec.GeneratorBackpressure < 0))
        {
            return "A streaming generator has one return (its item count), no split returns and a back-pressure of 0 or more.";
        }
        if (spec.Owner is null)
        {
            // Its results name it, and go back to it: a worker would fail every one of them.
            return "A task names its owner, or a batch before it on its stream does (TaskBatch.stream_owner).";
        }
        return BadId("job id", spec.JobId) ?? BadId("actor id", spec.ActorId)
            ?? BadId("owner worker id", spec.Owner.WorkerId) ?? BadId("owner node id", spec.Owner.NodeId);
    }

    private static string? BadId(string kind, ByteString? id) =>
        id is null || id.Length is 0 or 16 ? null : $"A {kind} is 16 bytes or empty, not {id.Length}.";
}
