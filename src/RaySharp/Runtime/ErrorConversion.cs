using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Exceptions cross processes as <see cref="ErrorInfo"/>: type name, message and stack trace of each
/// exception in the inner chain. On the reading side the original exception types are re-created where
/// they can be (with the remote stack trace attached), else a <see cref="RemoteException"/> stands in.
/// </summary>
internal static class ErrorConversion
{
    private static readonly ConcurrentDictionary<string, Type?> s_types = new();

    public static ErrorInfo FromException(Exception exception, string functionName)
    {
        exception = Unwrap(exception);
        var pid = Environment.ProcessId;
        // A task that lets another task's failure (a Get of its ref) escape fails with that failure's cause, not a
        // RayTaskException nested in another, as Ray does (no recursive nesting of RayTaskError): the cause stays one
        // level down however many tasks it passed through.
        if (exception is RayTaskException { InnerException: { } cause } failed && exception.GetType() == typeof(RayTaskException))
        {
            exception = cause;
            pid = failed.Pid;
        }
        var info = new ErrorInfo
        {
            Kind = ErrorKind.TaskError,
            FunctionName = functionName,
            TypeName = TypeNameOf(exception),
            Message = exception.Message,
            StackTrace = exception.StackTrace ?? "",
            Pid = pid,
        };
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            info.Chain.Add(new ExceptionData
            {
                TypeName = TypeNameOf(e),
                Message = e.Message,
                StackTrace = e.StackTrace ?? "",
            });
        }
        return info;
    }

    // A stand-in passed on keeps the name of the type it stands for.
    private static string TypeNameOf(Exception e) =>
        e is RemoteException remote ? remote.RemoteTypeName : e.GetType().FullName ?? e.GetType().Name;

    public static ErrorInfo System(ErrorKind kind, string functionName, string message) => new()
    {
        Kind = kind,
        FunctionName = functionName,
        Message = message,
        Pid = Environment.ProcessId,
    };

    public static ErrorInfo ActorDied(Google.Protobuf.ByteString actorId, string functionName, string message, ErrorInfo? creationError = null) => new()
    {
        Kind = ErrorKind.ActorDied,
        FunctionName = functionName,
        Message = message,
        ActorId = actorId,
        Cause = creationError,
        Pid = Environment.ProcessId,
    };

    /// <summary>The error a task gets when one of its arguments is a failed object: it carries that failure.</summary>
    public static ErrorInfo FromFailedArgument(ErrorInfo argumentError, string functionName) => new()
    {
        Kind = ErrorKind.TaskError,
        FunctionName = functionName,
        TypeName = argumentError.TypeName,
        Message = argumentError.Message,
        Pid = argumentError.Pid,
        Cause = argumentError,
    };

    public static Exception ToException(ErrorInfo info)
    {
        switch (info.Kind)
        {
            case ErrorKind.WorkerCrashed:
                return new WorkerCrashedException(info.Message);
            case ErrorKind.OutOfMemory:
                return new RayOutOfMemoryException(info.Message);
            case ErrorKind.OwnerDied:
                return new OwnerDiedException(info.Message);
            case ErrorKind.ObjectLost:
                return new ObjectLostException(info.Message);
            case ErrorKind.ObjectReconstructionFailed:
                return new ObjectReconstructionFailedException(info.Message);
            case ErrorKind.TaskCancelled:
                return new RayTaskCancelledException(info.Message);
            case ErrorKind.RuntimeEnvSetup:
                return new RuntimeEnvSetupException(info.Message);
            case ErrorKind.TaskUnschedulable:
                return new TaskUnschedulableException(info.Message);
            case ErrorKind.ActorUnschedulable:
                return new ActorUnschedulableException(Common.Ids.UniqueId.FromByteString(info.ActorId).ToString(), info.Message);
            case ErrorKind.ActorUnavailable:
                return new RayActorUnavailableException(Common.Ids.UniqueId.FromByteString(info.ActorId).ToString(), info.Message);
            case ErrorKind.ActorDied:
                return new RayActorException(Common.Ids.UniqueId.FromByteString(info.ActorId).ToString(), info.Message,
                    info.Cause is { } creation ? ToException(creation) : null);
        }
        if (info.Cause is { } cause)
        {
            // Through however many tasks a failure passed as an argument, the inner exception is its cause (the user's
            // exception, or the system failure), as Ray's RayTaskError.cause: catch (RayTaskException e) when
            // (e.InnerException is X) works at any depth. The message still names the task it came from.
            while (cause is { Kind: ErrorKind.TaskError, Cause: { } deeper })
            {
                cause = deeper;
            }
            if (cause.Kind == ErrorKind.TaskError)
            {
                return new RayTaskException(info.FunctionName, cause.Pid,
                    $"Task {info.FunctionName} failed because an argument failed: {Describe(cause)}", RecreateChain(cause));
            }
            var inner = ToException(cause);
            return new RayTaskException(info.FunctionName, info.Pid,
                $"Task {info.FunctionName} failed because an argument failed: {inner.Message}", inner);
        }
        return new RayTaskException(info.FunctionName, info.Pid, Describe(info), RecreateChain(info));
    }

    private static string Describe(ErrorInfo info) =>
        $"Task {info.FunctionName} failed (pid={info.Pid}): {info.TypeName}: {info.Message}{Environment.NewLine}{info.StackTrace}";

    private static Exception? RecreateChain(ErrorInfo info)
    {
        Exception? chain = null;
        for (var i = info.Chain.Count - 1; i >= 0; i--)
        {
            chain = Recreate(info.Chain[i], chain);
        }
        return chain;
    }

    /// <summary>The exception user code threw, out of the reflection and task wrappers it may arrive in.</summary>
    internal static Exception Unwrap(Exception exception)
    {
        while (true)
        {
            switch (exception)
            {
                case TargetInvocationException { InnerException: { } inner }:
                    exception = inner;
                    continue;
                case AggregateException { InnerExceptions.Count: 1 } agg:
                    exception = agg.InnerExceptions[0];
                    continue;
                default:
                    return exception;
            }
        }
    }

    private static Exception Recreate(ExceptionData data, Exception? inner)
    {
        var type = s_types.GetOrAdd(data.TypeName, FindType);
        if (type is not null && typeof(Exception).IsAssignableFrom(type) && type != typeof(RayTaskException))
        {
            if (Construct(type, data.Message, inner) is { } created)
            {
                return string.IsNullOrEmpty(data.StackTrace) ? created : ExceptionDispatchInfo.SetRemoteStackTrace(created, data.StackTrace);
            }
        }
        return new RemoteException(data.TypeName, data.Message, data.StackTrace, inner);
    }

    // The exception re-made with the same message, or null. For the argument and disposed-object exceptions, whose
    // message ends with the parameter's or object's name, first that name and the message before it (both orders:
    // ArgumentException takes (message, paramName), ArgumentNullException (paramName, message)), so the name is kept;
    // then (message[, inner]); then a parameterless constructor (a type that makes its own message). Only a result whose
    // Message equals the remote one is taken, so a constructor that means something else by its string is never
    // mistaken for a match.
    private static Exception? Construct(Type type, string message, Exception? inner)
    {
        // One attempt: a constructor that throws (it validates its argument differently) just fails this attempt.
        Exception? Try(Type[] signature, object?[] arguments)
        {
            if (type.GetConstructor(signature) is not { } constructor)
            {
                return null;
            }
            try
            {
                return constructor.Invoke(arguments) is Exception e && e.Message == message ? e : null;
            }
            catch (TargetInvocationException)
            {
                return null;
            }
        }

        var named = SplitName(message);
        if (inner is not null)
        {
            return (named is var (name, head) ? Try([typeof(string), typeof(string), typeof(Exception)], [head, name, inner]) : null)
                ?? Try([typeof(string), typeof(Exception)], [message, inner]);
        }
        return (named is var (n, h) ? Try([typeof(string), typeof(string)], [h, n]) ?? Try([typeof(string), typeof(string)], [n, h]) : null)
            ?? Try([typeof(string)], [message])
            ?? Try(Type.EmptyTypes, []);
    }

    // "Value cannot be null. (Parameter 'x')" → ("x", "Value cannot be null."); "...\nObject name: 'x'." likewise.
    private static (string Name, string Head)? SplitName(string message)
    {
        const string ParameterOpen = " (Parameter '";
        if (message.EndsWith("')", StringComparison.Ordinal) && message.LastIndexOf(ParameterOpen, StringComparison.Ordinal) is >= 0 and var p)
        {
            return (message[(p + ParameterOpen.Length)..^2], message[..p]);
        }
        var objectOpen = Environment.NewLine + "Object name: '";
        if (message.EndsWith("'.", StringComparison.Ordinal) && message.LastIndexOf(objectOpen, StringComparison.Ordinal) is >= 0 and var o)
        {
            return (message[(o + objectOpen.Length)..^2], message[..o]);
        }
        return null;
    }

    private static Type? FindType(string fullName)
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetType(fullName, throwOnError: false) is { } t)
            {
                return t;
            }
        }
        return null;
    }
}
