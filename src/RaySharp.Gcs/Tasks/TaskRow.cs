using System.Runtime.CompilerServices;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs.Tasks;

/// <summary>
/// One attempt of a task as the GCS merged its events, as a value with no object references: the table keeps up to
/// 100,000 of these in one array, which the garbage collector never traces or copies (a table of protobuf records,
/// ten objects each, once made the GCS's process carry a 200 MB older generation and promote every event it kept).
/// What is rare or shared lives beside it: the name and resources interned, the error only when there is one.
/// </summary>
internal struct TaskRow
{
    /// <summary>An attempt goes through at most seven states as its owner and its worker report them; more is a confused sender.</summary>
    public const int MaxTransitions = 8;

    public UniqueId TaskId;
    public int Attempt;
    /// <summary>The latest state (FINISHED and FAILED are last).</summary>
    public TaskState State;
    public byte TransitionCount;
    public bool HasInfo;
    public bool HasPlace;
    public TaskType Type;
    public UniqueId JobId;
    public UniqueId ActorId;
    public UniqueId ParentTaskId;
    public UniqueId NodeId;
    public UniqueId WorkerId;
    public int WorkerPid;
    public TaskTransitions Transitions;
}

/// <summary>When an attempt entered a state.</summary>
internal readonly record struct TaskTransition(TaskState State, long TimeNs);

/// <summary>The transitions of one attempt, inline in its row.</summary>
[InlineArray(TaskRow.MaxTransitions)]
internal struct TaskTransitions
{
    private TaskTransition _first;
}
