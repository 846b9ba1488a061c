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
        var info = new ErrorInfo
        {
            Kind = ErrorKind.TaskError,
            FunctionName = functionName,
            TypeName = exception.GetType().FullName ?? exception.GetType().Name,
            Message = exception.Message,
            StackTrace = exception.StackTrace ?? "",
            Pid = Environment.ProcessId,
        };
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            info.Chain.Add(new ExceptionData
            {
                TypeName = e.GetType().FullName ?? e.GetType().Name,
                Message = e.Message,
                StackTrace = e.StackTrace ?? "",
            });
        }
        return info;
    }

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
            case ErrorKind.ActorUnavailable:
                return new RayActorUnavailableException(Common.Ids.UniqueId.FromByteString(info.ActorId).ToString(), info.Message);
            case ErrorKind.ActorDied:
                return new RayActorException(Common.Ids.UniqueId.FromByteString(info.ActorId).ToString(), info.Message,
                    info.Cause is { } creation ? ToException(creation) : null);
        }
        if (info.Cause is { } cause)
        {
            var inner = ToException(cause);
            return new RayTaskException(info.FunctionName, info.Pid,
                $"Task {info.FunctionName} failed because an argument failed: {inner.Message}", inner);
        }
        Exception? chain = null;
        for (var i = info.Chain.Count - 1; i >= 0; i--)
        {
            chain = Recreate(info.Chain[i], chain);
        }
        var message = $"Task {info.FunctionName} failed (pid={info.Pid}): {info.TypeName}: {info.Message}{Environment.NewLine}{info.StackTrace}";
        return new RayTaskException(info.FunctionName, info.Pid, message, chain);
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
            try
            {
                Exception? created = null;
                if (inner is not null && type.GetConstructor([typeof(string), typeof(Exception)]) is { } withInner)
                {
                    created = (Exception)withInner.Invoke([data.Message, inner]);
                }
                else if (inner is null && type.GetConstructor([typeof(string)]) is { } plain)
                {
                    created = (Exception)plain.Invoke([data.Message]);
                }
                if (created is not null && created.Message == data.Message)
                {
                    return string.IsNullOrEmpty(data.StackTrace) ? created : ExceptionDispatchInfo.SetRemoteStackTrace(created, data.StackTrace);
                }
            }
            catch (TargetInvocationException)
            {
                // A constructor that throws: fall back to the stand-in.
            }
        }
        return new RemoteException(data.TypeName, data.Message, data.StackTrace, inner);
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
