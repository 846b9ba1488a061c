using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>What a task event entry adds beside its state.</summary>
internal enum TaskEventKind : byte
{
    /// <summary>Only a state change.</summary>
    State,
    /// <summary>The owner submitted (or retries) the task: what it is, its parent and resources.</summary>
    Submitted,
    /// <summary>This process runs the task: what it is and where.</summary>
    Running,
    /// <summary>The task failed: why.</summary>
    Failed,
    /// <summary>
    /// The owner learned from the task's result that it ran from this time, and where (<see cref="TaskEventEntry.Place"/>):
    /// the worker reported the run to its owner instead of to the GCS.
    /// </summary>
    Ran,
}

/// <summary>
/// One state change as <see cref="TaskEventBuffer"/> records it on the task's path. Ids are copied in as values and the
/// rest are strings and maps that outlive the task anyway: an entry waits up to a second for its flush, and if it held
/// the task's spec (its arguments with it) every spec would outlive the young generation, which once cost half of
/// actor call throughput. <see cref="Place"/> is a serialized <c>TaskPlace</c> shared by every task of one lease or actor.
/// </summary>
internal readonly record struct TaskEventEntry(UniqueId TaskId, int Attempt, TaskState State, long TimeNs, TaskEventKind Kind,
    UniqueId JobId = default, string? Name = null, UniqueId ActorId = default, UniqueId Parent = default,
    Google.Protobuf.Collections.MapField<string, double>? Resources = null, ErrorInfo? Error = null, byte[]? Place = null,
    string? Function = null);
