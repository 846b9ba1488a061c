namespace RaySharp;

/// <summary>
/// User code of a remote task threw. The message names the function and carries the remote
/// exception's type, message and stack trace; <see cref="Exception.InnerException"/> is the original
/// exception when its type could be re-created here, else a <see cref="RemoteException"/> stand-in.
/// A task that failed because one of its arguments failed has that argument's exception as inner.
/// </summary>
public class RayTaskException : RayException
{
    /// <summary>Creates the exception.</summary>
    public RayTaskException(string functionName, int pid, string message, Exception? innerException)
        : base(message, innerException)
    {
        FunctionName = functionName;
        Pid = pid;
    }

    /// <summary>The remote function that failed, as Type.Method.</summary>
    public string FunctionName { get; }

    /// <summary>The process id of the worker that ran it.</summary>
    public int Pid { get; }
}
