using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>How a failed task's error reads in its task events: Ray's error type names, and the text a Get would throw.</summary>
internal static class TaskErrorTypes
{
    public static string Of(ErrorKind kind) => kind switch
    {
        ErrorKind.TaskError => "TASK_EXECUTION_EXCEPTION",
        ErrorKind.WorkerCrashed => "WORKER_DIED",
        ErrorKind.OwnerDied => "OWNER_DIED",
        ErrorKind.ObjectLost => "OBJECT_LOST",
        ErrorKind.ActorDied => "ACTOR_DIED",
        ErrorKind.ObjectReconstructionFailed => "OBJECT_UNRECONSTRUCTABLE",
        ErrorKind.OutOfMemory => "OUT_OF_MEMORY",
        ErrorKind.ActorUnavailable => "ACTOR_UNAVAILABLE",
        ErrorKind.TaskCancelled => "TASK_CANCELLED",
        ErrorKind.RuntimeEnvSetup => "RUNTIME_ENV_SETUP_FAILED",
        ErrorKind.TaskUnschedulable => "TASK_UNSCHEDULABLE_ERROR",
        ErrorKind.ActorUnschedulable => "ACTOR_UNSCHEDULABLE_ERROR",
        _ => kind.ToString(),
    };

    /// <summary>The exception's type and message, then the remote stack trace when user code threw.</summary>
    public static string Describe(ErrorInfo error)
    {
        var head = error.TypeName.Length > 0 ? $"{error.TypeName}: {error.Message}" : error.Message;
        return error.StackTrace.Length > 0 ? head + "\n" + error.StackTrace : head;
    }
}
