namespace RaySharp.Tune;

/// <summary>
/// The class form of a trainable (Ray's <c>tune.Trainable</c>): the trial actor makes one instance per trial, calls
/// <see cref="Setup"/> once, then <see cref="Step"/> once per iteration, <see cref="Save"/> every
/// <see cref="CheckpointConfig.CheckpointFrequency"/> iterations and <see cref="Restore"/> when the trial resumes
/// from a checkpoint. Derive from it with a parameterless constructor and give it to <see cref="TrainableDefinition.FromClass{T}"/>.
/// </summary>
public abstract class Trainable
{
    private object? _parameter;
    private bool _hasParameter;

    /// <summary>The trial's hyperparameters.</summary>
    public TrialConfig Config { get; internal set; } = new(new Dictionary<string, object?>());

    /// <summary>The trial's id (unique in the experiment).</summary>
    public string TrialId { get; internal set; } = "";

    /// <summary>The iterations done so far, restored ones included; <see cref="Step"/> runs iteration <c>Iteration + 1</c>.</summary>
    public int Iteration { get; internal set; }

    /// <summary>Prepares the trial (Ray's <c>setup</c>): build the model from <see cref="Config"/>.</summary>
    /// <param name="config">The trial's hyperparameters (also in <see cref="Config"/>).</param>
    public virtual void Setup(TrialConfig config)
    {
    }

    /// <summary>Runs one iteration and returns its metrics (Ray's <c>step</c>). A metric <c>done</c> above 0 ends the trial.</summary>
    /// <returns>The metrics of this iteration.</returns>
    public abstract IReadOnlyDictionary<string, double> Step();

    /// <summary>Writes the trial's state into an empty directory (Ray's <c>save_checkpoint</c>).</summary>
    /// <param name="checkpointDirectory">The directory to write into.</param>
    public virtual void Save(string checkpointDirectory)
    {
    }

    /// <summary>Reads the trial's state back from a directory <see cref="Save"/> wrote (Ray's <c>load_checkpoint</c>).</summary>
    /// <param name="checkpointDirectory">The directory to read.</param>
    public virtual void Restore(string checkpointDirectory)
    {
    }

    /// <summary>
    /// Takes a new config in place, for <see cref="TuneConfig.ReuseActors"/> (Ray's <c>reset_config</c>). Return false
    /// (the default) and the actor makes a fresh instance instead, in the same process.
    /// </summary>
    /// <param name="newConfig">The next trial's hyperparameters.</param>
    /// <returns>True when this instance now runs the new config.</returns>
    public virtual bool ResetConfig(TrialConfig newConfig) => false;

    /// <summary>Releases what the trial holds when it ends or is stopped (Ray's <c>cleanup</c>).</summary>
    public virtual void Cleanup()
    {
    }

    /// <summary>The object given to <see cref="Tune.WithParameters{T}(TrainableDefinition, T)"/>.</summary>
    /// <typeparam name="T">Its type.</typeparam>
    /// <returns>The object.</returns>
    /// <exception cref="InvalidOperationException">The trainable was given no parameter, or one of another type.</exception>
    protected T GetParameter<T>() => TrialContext.CastParameter<T>(_hasParameter, _parameter);

    internal void SetParameter(bool hasParameter, object? parameter)
    {
        _hasParameter = hasParameter;
        _parameter = parameter;
    }
}
