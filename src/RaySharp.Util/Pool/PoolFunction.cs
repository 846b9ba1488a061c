using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace RaySharp.Util;

/// <summary>
/// The user's function as the pool ships it to its actors (Ray pickles it with the batch): which method it is —
/// its declaring type, metadata token and generic arguments — which the actor's process, running the same build,
/// turns back into a delegate once and caches. Only what a remote function may be is accepted: a static method,
/// or a lambda that captures nothing.
/// </summary>
/// <param name="DeclaringType">The assembly-qualified name of the method's (closed) declaring type.</param>
/// <param name="MetadataToken">The method's metadata token in that type's module.</param>
/// <param name="GenericArguments">The assembly-qualified names of the method's generic arguments, if it is generic.</param>
/// <param name="DisplayName">The name errors show.</param>
internal sealed record PoolFunction(string DeclaringType, int MetadataToken, string[] GenericArguments, string DisplayName)
{
    private static readonly ConcurrentDictionary<string, Delegate> s_resolved = new();

    /// <summary>Describes a delegate, refusing at the call site what cannot run in another process.</summary>
    public static PoolFunction Of(Delegate function, string paramName)
    {
        ArgumentNullException.ThrowIfNull(function, paramName);
        if (!function.HasSingleTarget)
        {
            throw new ArgumentException("A pool function must be a single method, not a multicast delegate.", paramName);
        }
        var method = function.Method;
        var name = NameOf(method);
        if (method.DeclaringType?.AssemblyQualifiedName is not { } declaring)
        {
            throw new ArgumentException($"The pool function {name} has no declaring type (a dynamic method): use a static method or a lambda.", paramName);
        }
        if (function.Target is { } target)
        {
            if (!target.GetType().IsDefined(typeof(CompilerGeneratedAttribute), false))
            {
                throw new ArgumentException(
                    $"The pool function {name} is bound to an instance of {target.GetType().Name}, which does not exist in the pool's actors. "
                    + "Use a static method, or a lambda that captures nothing.", paramName);
            }
            var captured = target.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            if (captured.Length > 0)
            {
                // Named as the user wrote them: the closure's 'this' field as 'this', its cached-delegate fields left out.
                var names = captured.Where(f => !f.Name.StartsWith("<>9__", StringComparison.Ordinal))
                    .Select(f => f.Name.Contains("__this", StringComparison.Ordinal) ? "'this'" : "'" + f.Name.Trim('<', '>') + "'");
                throw new ArgumentException(
                    $"The pool function {name} captures {string.Join(", ", names)} from its surrounding code; "
                    + "the pool runs it in other processes, where those variables do not exist. Pass what it needs in the items instead, or use a static method.",
                    paramName);
            }
        }
        string[] generic = method.IsGenericMethod ? [.. method.GetGenericArguments().Select(t => t.AssemblyQualifiedName!)] : [];
        return new PoolFunction(declaring, method.MetadataToken, generic, name);
    }

    // Type.Method, a lambda named after the type whose code holds it (not its compiler-generated closure class).
    private static string NameOf(MethodInfo method)
    {
        var type = method.DeclaringType;
        while (type is { DeclaringType: not null } && type.IsDefined(typeof(CompilerGeneratedAttribute), false))
        {
            type = type.DeclaringType;
        }
        return $"{type?.Name ?? "?"}.{(method.Name.StartsWith('<') ? "<lambda>" : method.Name)}";
    }

    /// <summary>The delegate this names, of type <typeparamref name="TDelegate"/>; built once per process.</summary>
    public TDelegate Resolve<TDelegate>()
        where TDelegate : Delegate
    {
        var key = $"{typeof(TDelegate).AssemblyQualifiedName}|{DeclaringType}|{MetadataToken}|{string.Join(";", GenericArguments)}";
        return (TDelegate)s_resolved.GetOrAdd(key, _ => Build(typeof(TDelegate)));
    }

    private Delegate Build(Type delegateType)
    {
        var type = Type.GetType(DeclaringType, throwOnError: true)!;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        var method = type.GetMethods(all).FirstOrDefault(m => m.MetadataToken == MetadataToken)
            ?? throw new MissingMethodException($"The pool function {DisplayName} is not in this process's copy of {type.FullName}; the driver and the pool's actors must run the same build.");
        if (method.IsGenericMethodDefinition)
        {
            method = method.MakeGenericMethod([.. GenericArguments.Select(n => Type.GetType(n, throwOnError: true)!)]);
        }
        // A lambda that captures nothing is an instance method of a compiler-generated class with no fields: any instance will do.
        var target = method.IsStatic ? null : Activator.CreateInstance(type, nonPublic: true);
        return Delegate.CreateDelegate(delegateType, target, method);
    }
}
