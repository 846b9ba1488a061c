using RaySharp.Tune.Execution;

namespace RaySharp.Tune;

/// <summary>
/// What a function trainable gets (Ray's <c>tune</c>/<c>train</c> session): its trial's config, the checkpoint to resume
/// from, and <see cref="Report"/>, which hands one iteration's metrics to the driver.
/// </summary>
public sealed class TrialContext
{
    private readonly FunctionRunner _runner;

    internal TrialContext(FunctionRunner runner, TrialConfig config, string trialId, string trialName, Checkpoint? checkpoint)
    {
        _runner = runner;
        Config = config;
        TrialId = trialId;
        TrialName = trialName;
        Checkpoint = checkpoint;
    }

    /// <summary>The trial's hyperparameters.</summary>
    public TrialConfig Config { get; }

    /// <summary>The trial's id (unique in the experiment).</summary>
    public string TrialId { get; }

    /// <summary>The trial's name: its directory under the experiment's.</summary>
    public string TrialName { get; }

    /// <summary>The iterations reported so far, those before the restored checkpoint included.</summary>
    public int Iteration => _runner.Iteration;

    private Checkpoint? Checkpoint { get; }

    /// <summary>
    /// The checkpoint this trial resumes from — its own after a failure (<see cref="FailureConfig.MaxFailures"/>) or a
    /// driver restart (<see cref="Tuner.Restore(string, Action{TrialContext}, IReadOnlyDictionary{string, object?}, TuneConfig?, RunConfig?)"/>),
    /// or the best trial's when Population Based Training exploits — unpacked into a local directory; null when the trial starts afresh.
    /// </summary>
    /// <returns>The checkpoint, or null.</returns>
    public Checkpoint? GetCheckpoint() => Checkpoint;

    /// <summary>
    /// Hands one iteration's metrics (and optionally a checkpoint) to the driver (Ray's <c>tune.report</c>). The driver adds
    /// <c>training_iteration</c>, <c>time_this_iter_s</c> and <c>time_total_s</c>, checks the stop criteria and the scheduler;
    /// the call returns when the trial is to go on. The checkpoint directory is packed before it returns, so it may be
    /// reused or deleted afterwards.
    /// </summary>
    /// <param name="metrics">Metric name → value; finite or not, every value is kept.</param>
    /// <param name="checkpoint">A checkpoint of the state after this iteration, or null.</param>
    public void Report(IReadOnlyDictionary<string, double> metrics, Checkpoint? checkpoint = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _runner.Report(metrics, checkpoint);
    }

    /// <summary>The object given to <see cref="Tune.WithParameters{T}(Action{TrialContext}, T)"/>, read once per trial actor from the object store.</summary>
    /// <typeparam name="T">Its type.</typeparam>
    /// <returns>The object.</returns>
    /// <exception cref="InvalidOperationException">The trainable was given no parameter, or one of another type.</exception>
    public T GetParameter<T>() => CastParameter<T>(_runner.HasParameter, _runner.Parameter);

    internal static T CastParameter<T>(bool hasParameter, object? parameter)
    {
        if (!hasParameter)
        {
            throw new InvalidOperationException("This trainable was given no parameter: wrap it with Tune.WithParameters(trainable, value).");
        }
        if (parameter is T typed)
        {
            return typed;
        }
        if (parameter is null && default(T) is null)
        {
            return default!;
        }
        throw new InvalidOperationException($"The trainable's parameter is a {parameter?.GetType().Name ?? "null"}, not a {typeof(T).Name}.");
    }
}
