using System.Reflection;
using System.Runtime.CompilerServices;

namespace RaySharp.Tune.Execution;

/// <summary>
/// The actor every trial runs in (Ray Tune's trainable actor): it holds the trial's resources for as long as it lives,
/// resolves the user's trainable in its own process by reflection name, and runs one trial at a time —
/// several in turn when <see cref="TuneConfig.ReuseActors"/> hands it the next one.
/// </summary>
internal sealed class TrialActor
{
    private readonly TrialLaunch _launch;
    private readonly bool _hasParameter;
    private readonly object? _parameter;
    private readonly Action<TrialContext>? _function;
    private Trainable? _instance;
    private ITrialRunner? _runner;
    private Exception? _startError;

    public TrialActor(TrialLaunch launch, bool hasParameter, object? parameter)
    {
        _launch = launch;
        _hasParameter = hasParameter;
        _parameter = parameter;
        if (!launch.IsClass)
        {
            _function = ResolveFunction(launch);
        }
    }

    /// <summary>The factory of actors without a parameter.</summary>
    public static TrialActor Create(TrialLaunch launch) => new(launch, false, null);

    /// <summary>The factory of actors of <see cref="Tune.WithParameters{T}(TrainableDefinition, T)"/>: the parameter comes as a ref, read here from the store.</summary>
    public static TrialActor CreateWithParameter<T>(TrialLaunch launch, T parameter) => new(launch, true, parameter);

    /// <summary>Takes a trial (ending the one before, if any); its first result comes from the next <see cref="Next"/>.</summary>
    public void Start(TrialAssignment assignment)
    {
        // The driver does not wait for Start: what fails here (a checkpoint that will not unpack, a constructor that
        // throws) is rethrown by the Next it waits for.
        _startError = null;
        try
        {
            StartRunner(assignment);
        }
        catch (Exception ex)
        {
            _runner = null;
            _startError = ex;
        }
    }

    private void StartRunner(TrialAssignment assignment)
    {
        if (_function is not null)
        {
            _runner?.Stop();
            _runner = new FunctionRunner(_function, assignment, _hasParameter, _parameter);
            return;
        }
        // A reused class instance may take the new config in place (Ray's reset_config); else it is cleaned up and replaced.
        var reused = _instance is not null && _runner is not null && _instance.ResetConfig(new TrialConfig(ConfigValues.FromJson(assignment.ConfigJson)));
        if (!reused)
        {
            _runner?.Stop();
            _instance = (Trainable)Activator.CreateInstance(ResolveClass(_launch))!;
        }
        _runner = new ClassRunner(_instance!, assignment, _hasParameter, _parameter, reused);
    }

    public TrialStep Next()
    {
        if (_startError is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        return (_runner ?? throw new InvalidOperationException("The trial actor has no trial: Start comes first.")).Next();
    }

    public byte[]? Save() => _runner?.Save();

    public void Stop()
    {
        _runner?.Stop();
        _runner = null;
    }

    private static Action<TrialContext> ResolveFunction(TrialLaunch launch)
    {
        var type = ResolveClass(launch);
        var method = type.Module.ResolveMethod(launch.MetadataToken) as MethodInfo;
        if (method is null || method.Name != launch.MethodName)
        {
            throw new MissingMethodException(
                $"This worker's copy of {launch.Assembly} has no method {launch.TypeName}.{launch.MethodName} with the driver's token; driver and workers must run the same build.");
        }
        if (method.IsStatic)
        {
            return method.CreateDelegate<Action<TrialContext>>();
        }
        // A lambda that captures nothing lives on a field-less compiler-generated class: any instance will do.
        return method.CreateDelegate<Action<TrialContext>>(RuntimeHelpers.GetUninitializedObject(type));
    }

    private static Type ResolveClass(TrialLaunch launch) =>
        Assembly.Load(new AssemblyName(launch.Assembly)).GetType(launch.TypeName, throwOnError: true)!;
}
