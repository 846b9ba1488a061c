namespace RaySharp.Tune;

/// <summary>Where results go and when trials stop (Ray's <c>tune.RunConfig</c>).</summary>
public sealed class RunConfig
{
    /// <summary>The experiment's name: its directory under <see cref="StoragePath"/>. Default: the trainable's name and the start time.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The directory on the driver's machine where experiments are kept: per trial its results (<c>result.json</c>) and
    /// checkpoints, and the experiment's state for <see cref="Tuner.Restore(string, Action{TrialContext}, IReadOnlyDictionary{string, object?}, TuneConfig?, RunConfig?)"/>.
    /// Default <c>~/raysharp_results</c>.
    /// </summary>
    public string? StoragePath { get; init; }

    /// <summary>When a trial stops: a dictionary of metric → threshold (stop once a result reaches it), or a function. Default: never (the trainable or scheduler ends it).</summary>
    public Stopper? Stop { get; init; }

    /// <summary>How checkpoints are taken and kept.</summary>
    public CheckpointConfig CheckpointConfig { get; init; } = new();

    /// <summary>What happens when a trial fails.</summary>
    public FailureConfig FailureConfig { get; init; } = new();

    /// <summary>0: print nothing; 1 (the default): a progress table (live on a terminal, every 30 s otherwise) and the final table; 2: also every result.</summary>
    public int Verbose { get; init; } = 1;

    internal void Validate()
    {
        if (Name is not null && (Name.Length == 0 || Name.IndexOfAny(['/', '\\']) >= 0 || Name is "." or ".."))
        {
            throw new ArgumentException($"RunConfig.Name '{Name}' must be a plain directory name.", "runConfig");
        }
        if (Verbose is < 0 or > 2)
        {
            throw new ArgumentException($"RunConfig.Verbose is 0, 1 or 2, not {Verbose}.", "runConfig");
        }
        CheckpointConfig.Validate();
        FailureConfig.Validate();
    }
}
