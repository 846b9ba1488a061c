using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Runtime;

/// <summary>
/// The executing side of a remote function: resolved from its descriptor once, then called through reflection's
/// invoker (which emits its own call stub after the first calls) rather than a compiled expression tree: compiling
/// the first expression in a worker process cost it tens of milliseconds of its start, for a few nanoseconds per
/// call saved. Exceptions propagate unwrapped. Async results are awaited to their value. Plain loops, no LINQ: every
/// worker resolves functions here, and a LINQ call in a compiled method would load System.Linq into each one.
/// </summary>
internal sealed class FunctionInvoker
{
    private static readonly ConcurrentDictionary<(string Assembly, int Token, string Generics), FunctionInvoker> s_cache = new();

    private readonly Func<object?, object?[], object?> _call;
    private readonly object? _target;
    private readonly Func<object, object?>? _taskResult;

    private FunctionInvoker(MethodInfo method)
    {
        DisplayName = RemoteFunction.DisplayNameOf(method);
        var parameters = method.GetParameters();
        ParameterCodecs = new ValueCodec[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            ParameterCodecs[i] = ValueCodec.For(parameters[i].ParameterType);
        }
        var resultType = RemoteFunction.ResultTypeOf(method.ReturnType);
        ResultCodec = ValueCodec.For(resultType);
        if (typeof(ITuple).IsAssignableFrom(resultType) && resultType.IsGenericType)
        {
            var elements = resultType.GetGenericArguments();
            ElementCodecs = new ValueCodec[elements.Length];
            for (var i = 0; i < elements.Length; i++)
            {
                ElementCodecs[i] = ValueCodec.For(elements[i]);
            }
        }
        else if (resultType.IsSZArray)
        {
            ResultElementCodec = ValueCodec.For(resultType.GetElementType()!);
        }
        GeneratorElementType = Generators.GeneratorSource.ElementTypeOf(resultType);
        if (parameters.Length > 0 && parameters[^1].ParameterType is { IsSZArray: true } last)
        {
            GatheredElementType = last.GetElementType()!;
            GatheredElementCodec = ValueCodec.For(GatheredElementType);
        }
        if (!method.IsStatic)
        {
            // A lambda that captures nothing lives on a field-less compiler-generated class: any instance will do.
            _target = RuntimeHelpers.GetUninitializedObject(method.DeclaringType!);
        }
        _call = Bind(method, out var awaitable);
        if (awaitable is not null && awaitable.IsGenericType)
        {
            var result = awaitable.GetProperty(nameof(System.Threading.Tasks.Task<int>.Result))!;
            _taskResult = task => result.GetValue(task);
        }
        IsAsync = awaitable is not null;
    }

    public string DisplayName { get; }

    public ValueCodec[] ParameterCodecs { get; }

    public ValueCodec ResultCodec { get; }

    /// <summary>The codecs of the tuple elements, for calls whose returns are split into separate objects.</summary>
    public ValueCodec[]? ElementCodecs { get; }

    /// <summary>The codec of an array result's elements, for calls whose returns are split (num_returns = n).</summary>
    public ValueCodec? ResultElementCodec { get; }

    /// <summary>The item type when the function returns IEnumerable&lt;T&gt; or IAsyncEnumerable&lt;T&gt; (a streaming generator); else null.</summary>
    public Type? GeneratorElementType { get; }

    /// <summary>The element type of the last parameter when it is an array: the one gathered refs fill.</summary>
    public Type? GatheredElementType { get; }

    /// <summary>The codec of <see cref="GatheredElementType"/>.</summary>
    public ValueCodec? GatheredElementCodec { get; }

    public bool IsAsync { get; }

    public static FunctionInvoker Resolve(FunctionDescriptor descriptor)
    {
        var key = (descriptor.Assembly, descriptor.MetadataToken, descriptor.GenericArguments.Count == 0 ? "" : string.Join("|", descriptor.GenericArguments));
        return s_cache.GetOrAdd(key, static (_, d) => new FunctionInvoker(FindMethod(d)), descriptor);
    }

    /// <summary>
    /// The invoker of a serialized descriptor (a task spec's function): looked up by its bytes, which are parsed only the
    /// first time. Only descriptors that resolve are kept, up to <see cref="MaxSerializedKeys"/> (a function has one
    /// serialization per caller's build; the cap keeps peers that vary the bytes from growing the table without end).
    /// </summary>
    /// <exception cref="Google.Protobuf.InvalidProtocolBufferException">The bytes are not a descriptor.</exception>
    public static FunctionInvoker Resolve(Google.Protobuf.ByteString serialized)
    {
        // An actor's calls and a loop's tasks repeat one function: comparing its bytes with the last one's is cheaper than
        // hashing them (ByteString hashes byte by byte) for the table.
        if (s_last is { } last && last.Serialized.Equals(serialized))
        {
            return last.Invoker;
        }
        if (s_bySerialized.TryGetValue(serialized, out var known))
        {
            s_last = known;
            return known.Invoker;
        }
        // From a sequence, the parse path every incoming wire message already takes: a worker compiles no second one
        // (the ByteString overload goes through CodedInputStream) for its first call.
        var invoker = Resolve(FunctionDescriptor.Parser.ParseFrom(new System.Buffers.ReadOnlySequence<byte>(serialized.Memory)));
        if (s_bySerialized.Count < MaxSerializedKeys)
        {
            s_bySerialized.TryAdd(serialized, new LastResolved(serialized, invoker));
        }
        return invoker;
    }

    private const int MaxSerializedKeys = 10_000;

    private static readonly ConcurrentDictionary<Google.Protobuf.ByteString, LastResolved> s_bySerialized = new();

    // Immutable, so a reader on any thread sees a matching pair; the table's own values, so remembering one allocates nothing.
    private sealed record LastResolved(Google.Protobuf.ByteString Serialized, FunctionInvoker Invoker);

    private static volatile LastResolved? s_last;

    /// <summary>Calls the function without waiting: an async one returns its (Task-typed) task.</summary>
    public object? Call(object?[] args) => _call(_target, args);

    /// <summary>The value of a finished task returned by <see cref="Call"/>.</summary>
    public object? ResultOf(System.Threading.Tasks.Task task) => _taskResult is null ? Unit.Value : _taskResult(task);

    /// <summary>Calls the function and waits for an async one to finish; exceptions propagate as thrown.</summary>
    public object? Invoke(object?[] args)
    {
        var result = _call(_target, args);
        if (!IsAsync)
        {
            return result;
        }
        var task = (System.Threading.Tasks.Task)result!;
        task.GetAwaiter().GetResult();
        return _taskResult is null ? Unit.Value : _taskResult(task);
    }

    private static MethodInfo FindMethod(FunctionDescriptor d)
    {
        var assembly = Assembly.Load(new AssemblyName(d.Assembly));
        // The token names the method, and its type is checked by name rather than looked up by it: Assembly.GetType
        // runs CoreLib's type-name parser, code that an actor's worker touches for nothing else (its pages stay resident).
        // Anything unexpected (a bad token, a closed generic type's name) takes the lookup by name, with its errors.
        MethodInfo? method = null;
        try
        {
            method = assembly.ManifestModule.ResolveMethod(d.MetadataToken) as MethodInfo;
        }
        catch (ArgumentException)
        {
        }
        if (method is null || method.Name != d.MethodName || method.DeclaringType?.FullName != d.TypeName)
        {
            var type = assembly.GetType(d.TypeName, throwOnError: true)!;
            method = type.Module.ResolveMethod(d.MetadataToken) as MethodInfo;
        }
        if (method is null || method.Name != d.MethodName)
        {
            throw new MissingMethodException(
                $"The worker's copy of {d.Assembly} has no method {d.TypeName}.{d.MethodName} with the driver's token; driver and workers must run the same build.");
        }
        if (method.IsGenericMethodDefinition)
        {
            var arguments = new Type[d.GenericArguments.Count];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = Type.GetType(d.GenericArguments[i], throwOnError: true)!;
            }
            method = method.MakeGenericMethod(arguments);
        }
        return method;
    }

    private static Func<object?, object?[], object?> Bind(MethodInfo method, out Type? awaitable)
    {
        var rt = method.ReturnType;
        awaitable = null;
        Func<object?, object?>? adapt = null;
        if (rt == typeof(void))
        {
            adapt = static _ => Unit.Value;
        }
        else if (rt == typeof(ValueTask))
        {
            awaitable = typeof(System.Threading.Tasks.Task);
            adapt = static r => ((ValueTask)r!).AsTask();
        }
        else if (rt.IsGenericType && rt.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = rt.GetMethod(nameof(ValueTask<int>.AsTask))!;
            awaitable = asTask.ReturnType;
            adapt = r => asTask.Invoke(r, BindingFlags.DoNotWrapExceptions, null, null, null);
        }
        else if (typeof(System.Threading.Tasks.Task).IsAssignableFrom(rt))
        {
            awaitable = rt;
        }
        return adapt is null
            ? (target, args) => method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, args, null)
            : (target, args) => adapt(method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, args, null));
    }
}
