using System.Collections.Concurrent;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Ray's <c>retry_exceptions=[...]</c>: which exceptions of user code a task (or actor call) may be retried
/// for. The caller names the types by assembly-qualified name in the spec; the worker that ran the code
/// checks the thrown exception against them, because only there is it a real object whose type and base
/// types are known (the owner sees a type name, and may never have loaded the thrown type's assembly).
/// Both sides run the same build, so a name resolves to the same type in the worker.
/// </summary>
internal static class RetryExceptionTypes
{
    /// <summary>Resolved names; bounded, because specs come from the network and each may name new strings.</summary>
    private const int MaxCached = 1024;

    private static readonly ConcurrentDictionary<string, Type?> s_resolved = new(StringComparer.Ordinal);

    /// <summary>No exception is retried (the default), or every one.</summary>
    public static (bool Enabled, string[] Names) Any(bool retryExceptions) => (retryExceptions, []);

    /// <summary>Only exceptions of these types (or derived ones) are retried; checked here, at the call (DESIGN.md §8).</summary>
    public static (bool Enabled, string[] Names) Only(Type[] exceptionTypes, string paramName) => (true, Names(exceptionTypes, paramName));

    /// <summary>Checks the caller's types and returns their names for the spec.</summary>
    private static string[] Names(Type[] exceptionTypes, string paramName)
    {
        ArgumentNullException.ThrowIfNull(exceptionTypes, paramName);
        if (exceptionTypes.Length == 0)
        {
            throw new ArgumentException("Name at least one exception type, or call SetRetryExceptions(true) to retry on any exception.", paramName);
        }
        var names = new string[exceptionTypes.Length];
        for (var i = 0; i < exceptionTypes.Length; i++)
        {
            var type = exceptionTypes[i] ?? throw new ArgumentException($"Exception type {i + 1} of {exceptionTypes.Length} is null.", paramName);
            if (!typeof(Exception).IsAssignableFrom(type))
            {
                throw new ArgumentException($"{type.FullName} is not an exception type: only types that derive from System.Exception can be retried on.", paramName);
            }
            if (type.ContainsGenericParameters || type.AssemblyQualifiedName is not { } name)
            {
                throw new ArgumentException($"{type} is an open generic type: name a closed one (e.g. MyException<int>).", paramName);
            }
            names[i] = name;
        }
        return names;
    }

    /// <summary>
    /// Whether the exception user code threw while running <paramref name="spec"/> may be retried: the spec
    /// names no types (any exception may), or the exception is one of them or derives from one. A child task's failure
    /// that surfaced through Get counts as its cause too (Ray's RayTaskError is an instance of the cause's class).
    /// </summary>
    public static bool Allow(TaskSpec spec, Exception exception)
    {
        if (spec.RetryExceptionTypes.Count == 0)
        {
            return true;
        }
        for (Exception? thrown = ErrorConversion.Unwrap(exception); thrown is not null;
            thrown = thrown is RayTaskException { InnerException: { } cause } ? ErrorConversion.Unwrap(cause) : null)
        {
            foreach (var name in spec.RetryExceptionTypes)
            {
                if (Resolve(name) is { } type && type.IsInstanceOfType(thrown))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static Type? Resolve(string name)
    {
        if (s_resolved.TryGetValue(name, out var cached))
        {
            return cached;
        }
        Type? type;
        try
        {
            type = Type.GetType(name, throwOnError: false);
        }
        catch (Exception)
        {
            // A malformed name or an assembly this worker cannot load (the name came off the network, so any
            // loader failure): nothing thrown here can be of that type, and the task's own failure must still go out.
            type = null;
        }
        if (type is not null && !typeof(Exception).IsAssignableFrom(type))
        {
            type = null;
        }
        if (s_resolved.Count < MaxCached)
        {
            s_resolved.TryAdd(name, type);
        }
        return type;
    }
}
