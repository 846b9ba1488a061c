using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Runtime;

/// <summary>
/// A function as the submitting side knows it: its wire descriptor, its name for messages and the
/// codecs of its parameters. Built once per method and cached.
/// </summary>
internal sealed class RemoteFunction
{
    private static readonly ConcurrentDictionary<MethodInfo, RemoteFunction> s_cache = new();

    private RemoteFunction(MethodInfo method, bool needsTarget)
    {
        Method = method;
        var declaring = method.DeclaringType!;
        Descriptor = new FunctionDescriptor
        {
            Assembly = method.Module.Assembly.FullName!,
            TypeName = declaring.FullName!,
            MethodName = method.Name,
            MetadataToken = method.MetadataToken,
            NeedsTarget = needsTarget,
        };
        if (method.IsGenericMethod)
        {
            Descriptor.GenericArguments.AddRange(method.GetGenericArguments().Select(t => t.AssemblyQualifiedName!));
        }
        DisplayName = DisplayNameOf(method);
        ParameterCodecs = method.GetParameters().Select(p => ValueCodec.For(p.ParameterType)).ToArray();
        ResultType = ResultTypeOf(method.ReturnType);
    }

    public MethodInfo Method { get; }

    public FunctionDescriptor Descriptor { get; }

    /// <summary>The descriptor serialized once, as a task spec carries it.</summary>
    public Google.Protobuf.ByteString DescriptorBytes => _descriptorBytes ??= Google.Protobuf.MessageExtensions.ToByteString(Descriptor);

    private Google.Protobuf.ByteString? _descriptorBytes;

    /// <summary>What the last tasks submitted to this function shared (see <see cref="TaskTemplate"/>).</summary>
    public TaskShape? LastTemplate
    {
        get => Volatile.Read(ref _lastTemplate);
        set => Volatile.Write(ref _lastTemplate, value);
    }

    private TaskShape? _lastTemplate;

    public string DisplayName { get; }

    /// <summary>The name of a call of an actor method through this function: the method it calls (<see cref="ActorMethodNames"/>), else <see cref="DisplayName"/>.</summary>
    public string ActorCallName => _actorCallName ??= ActorMethodNames.Find(Method) ?? DisplayName;

    private string? _actorCallName;

    /// <summary>
    /// The concurrency group a call of an actor method through this function runs in by default: the
    /// <see cref="ConcurrencyGroupAttribute"/> of the method it calls (or of this method itself), else "" (the default group).
    /// </summary>
    public string ActorCallGroup => _actorCallGroup ??= (ActorMethodNames.FindOverride(Method) ?? Method).GetCustomAttribute<ConcurrencyGroupAttribute>()?.Name ?? "";

    private string? _actorCallGroup;

    public ValueCodec[] ParameterCodecs { get; }

    /// <summary>The value the caller gets: the return type, unwrapped from Task/ValueTask; Unit for none.</summary>
    public Type ResultType { get; }

    /// <summary>
    /// Describes a delegate for remote execution. Static methods and lambdas that capture nothing are
    /// accepted; a lambda that captures variables is refused, naming what it captured.
    /// </summary>
    public static RemoteFunction Of(Delegate function, string paramName = "function")
    {
        ArgumentNullException.ThrowIfNull(function, paramName);
        if (function.HasSingleTarget is false)
        {
            throw new ArgumentException("A remote function must be a single method, not a multicast delegate.", paramName);
        }
        var method = function.Method;
        var target = function.Target;
        // Every call of a remote function comes here. The checks below read the target's attributes and fields by reflection
        // (a sixth of the submitting thread's time in actor calls async), and their answer depends only on the target's
        // type: a function described before with a target of the same type passed them then.
        if (s_cache.TryGetValue(method, out var known) && ReferenceEquals(known._acceptedTarget, target?.GetType()))
        {
            return known;
        }
        if (target is not null && !target.GetType().IsDefined(typeof(CompilerGeneratedAttribute), false))
        {
            throw new ArgumentException(
                $"The function {DisplayNameOf(method)} is bound to an instance of {target.GetType().Name} (it captures 'this'), which does not exist in the " +
                "process that runs the task. Use a static method, or pass the state it needs as arguments.",
                paramName);
        }
        if (target is not null)
        {
            var fields = target.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            if (fields.Length > 0)
            {
                var captured = string.Join(", ", fields.Select(f => CapturedName(f.Name)));
                throw new ArgumentException(
                    $"The function {DisplayNameOf(method)} captures {captured} from its surrounding code, and a remote function runs in another process " +
                    $"where those variables do not exist. Pass them as arguments instead, e.g. Ray.Task(static (int x) => ..., x), or use a static method.",
                    paramName);
            }
        }
        var described = s_cache.GetOrAdd(method, static m => new RemoteFunction(m, needsTarget: !m.IsStatic));
        described._acceptedTarget = target?.GetType();
        return described;
    }

    // The type of the last target this function was accepted with (null: a static method, or not yet known).
    private Type? _acceptedTarget;

    /// <summary>The name users see in errors: Type.Method, with lambdas named after their enclosing type.</summary>
    public static string DisplayNameOf(MethodInfo method)
    {
        var type = method.DeclaringType;
        while (type is not null && type.IsDefined(typeof(CompilerGeneratedAttribute), false) && type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }
        var name = method.Name;
        // Local functions are emitted as <Outer>g__Name|n_m: show Name.
        var g = name.IndexOf(">g__", StringComparison.Ordinal);
        if (g >= 0)
        {
            var end = name.IndexOf('|', g);
            name = end > g ? name[(g + 4)..end] : name[(g + 4)..];
        }
        else if (name.StartsWith('<'))
        {
            name = "<lambda>";
        }
        return (type?.Name ?? "?") + "." + name;
    }

    public static Type ResultTypeOf(Type returnType)
    {
        if (returnType == typeof(void) || returnType == typeof(System.Threading.Tasks.Task) || returnType == typeof(ValueTask))
        {
            return typeof(Unit);
        }
        if (returnType.IsGenericType)
        {
            var def = returnType.GetGenericTypeDefinition();
            if (def == typeof(Task<>) || def == typeof(ValueTask<>))
            {
                return returnType.GetGenericArguments()[0];
            }
        }
        return returnType;
    }

    private static string CapturedName(string field) =>
        field.StartsWith("<>4__this", StringComparison.Ordinal) ? "'this'" : "'" + field.Trim('<', '>') + "'";
}
