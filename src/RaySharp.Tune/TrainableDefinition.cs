using System.Reflection;
using System.Runtime.CompilerServices;
using RaySharp.Tune.Execution;

namespace RaySharp.Tune;

/// <summary>
/// What each trial runs: a function (<see cref="FromFunction"/>) or a <see cref="Trainable"/> class (<see cref="FromClass{T}"/>),
/// optionally with a large object (<see cref="Tune.WithParameters{T}(TrainableDefinition, T)"/>). A function travels to the
/// trial actors by name, as remote functions do: it must be a static method or a lambda that captures nothing.
/// </summary>
public class TrainableDefinition
{
    private protected TrainableDefinition(TrialLaunch launch, string name)
    {
        Launch = launch;
        Name = name;
    }

    /// <summary>The trainable's name, as trial names and tables show it.</summary>
    public string Name { get; }

    internal TrialLaunch Launch { get; }

    internal virtual bool HasParameter => false;

    /// <summary>A function trainable: it reads <see cref="TrialContext.Config"/> and calls <see cref="TrialContext.Report"/> once per iteration.</summary>
    /// <param name="function">A static method or a lambda that captures nothing.</param>
    /// <returns>The trainable.</returns>
    /// <exception cref="ArgumentException">The function captures variables or is bound to an object.</exception>
    public static TrainableDefinition FromFunction(Action<TrialContext> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var method = function.Method;
        var target = function.Target;
        var name = NameOf(method);
        if (!function.HasSingleTarget)
        {
            throw new ArgumentException("A trainable must be a single method, not a multicast delegate.", nameof(function));
        }
        if (target is not null && !target.GetType().IsDefined(typeof(CompilerGeneratedAttribute), false))
        {
            throw new ArgumentException(
                $"The trainable {name} is bound to an instance of {target.GetType().Name}, which does not exist in the trial actors' processes. " +
                "Use a static method or a lambda that captures nothing; put values in the param space, or pass a large object with Tune.WithParameters.",
                nameof(function));
        }
        var fields = target?.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) ?? [];
        if (fields.Length > 0)
        {
            throw new ArgumentException(
                $"The trainable {name} captures {string.Join(", ", fields.Select(f => "'" + f.Name.Trim('<', '>') + "'"))} from its surrounding code, " +
                "and it runs in trial actors in other processes where those variables do not exist. Put them in the param space (constants are allowed), " +
                "or pass a large object with Tune.WithParameters(trainable, value).",
                nameof(function));
        }
        var declaring = method.DeclaringType!;
        return new TrainableDefinition(new TrialLaunch
        {
            IsClass = false,
            Assembly = method.Module.Assembly.FullName!,
            TypeName = declaring.FullName!,
            MethodName = method.Name,
            MetadataToken = method.MetadataToken,
        }, name);
    }

    /// <summary>A class trainable: each trial makes an instance (parameterless constructor) and calls Setup, then Step per iteration.</summary>
    /// <typeparam name="T">The class.</typeparam>
    /// <returns>The trainable.</returns>
    public static TrainableDefinition FromClass<T>()
        where T : Trainable, new() => new(new TrialLaunch
        {
            IsClass = true,
            Assembly = typeof(T).Assembly.FullName!,
            TypeName = typeof(T).FullName!,
        }, typeof(T).Name);

    /// <summary>Prepares a trial actor of this trainable (its resources and strategy are set by the caller).</summary>
    internal virtual ActorCreator<TrialActor> NewActor() => Ray.Actor(TrialActor.Create, Launch);

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static string NameOf(MethodInfo method)
    {
        var type = method.DeclaringType;
        while (type is not null && type.IsDefined(typeof(CompilerGeneratedAttribute), false) && type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }
        return method.Name.StartsWith('<') ? $"{type?.Name}.<lambda>" : $"{type?.Name}.{method.Name}";
    }
}

/// <summary>A trainable with one large object, put once in the object store; every trial actor's constructor gets it by ref.</summary>
internal sealed class ParameterizedTrainable<T> : TrainableDefinition
{
    private readonly ObjectRef<T> _parameter;

    public ParameterizedTrainable(TrialLaunch launch, string name, ObjectRef<T> parameter) : base(launch, name) => _parameter = parameter;

    internal override bool HasParameter => true;

    internal override ActorCreator<TrialActor> NewActor() => Ray.Actor(TrialActor.CreateWithParameter<T>, Launch, _parameter);
}
