namespace RaySharp.Tune;

/// <summary>How the search runs (Ray's <c>tune.TuneConfig</c>): what to optimize, how many trials, which search algorithm and scheduler, and each trial's resources.</summary>
public sealed class TuneConfig
{
    /// <summary>The metric to optimize, as trials report it; schedulers, search algorithms and <see cref="ResultGrid.GetBestResult"/> use it unless given their own.</summary>
    public string? Metric { get; init; }

    /// <summary>Whether <see cref="Metric"/> is better high or low; needed whenever a metric is.</summary>
    public TuneMode? Mode { get; init; }

    /// <summary>How many times the param space is sampled (each time over every grid point). Default 1.</summary>
    public int NumSamples { get; init; } = 1;

    /// <summary>Decides per result whether a trial goes on (Ray's <c>scheduler</c>). Default <see cref="FifoScheduler"/>: every trial runs to its end.</summary>
    public TrialScheduler? Scheduler { get; init; }

    /// <summary>Proposes the trials' configs (Ray's <c>search_alg</c>). Default <see cref="BasicVariantGenerator"/>: random sampling and grid search.</summary>
    public SearchAlgorithm? SearchAlgorithm { get; init; }

    /// <summary>The most trials running at once; 0 (the default): as many as the cluster's resources hold.</summary>
    public int MaxConcurrentTrials { get; init; }

    /// <summary>What each trial's actor holds while it runs (Ray's <c>tune.with_resources</c>). Default 1 CPU.</summary>
    public IReadOnlyDictionary<string, double> ResourcesPerTrial { get; init; } = new Dictionary<string, double> { ["CPU"] = 1 };

    /// <summary>
    /// Reserve each trial's resources as a placement group (Ray Tune's <c>PlacementGroupFactory</c>): bundle 0 is
    /// <see cref="ResourcesPerTrial"/> (the trial actor's), the others are for tasks and actors the trial starts,
    /// which are placed in the group. Null (the default): the actor holds <see cref="ResourcesPerTrial"/> with no group.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>>? ExtraBundlesPerTrial { get; init; }

    /// <summary>
    /// Hand a finished trial's actor (its process and resources) to the next trial instead of starting a new one (Ray's
    /// <c>reuse_actors</c>): function trainables start afresh in it, class trainables get <see cref="Trainable.ResetConfig"/>.
    /// </summary>
    public bool ReuseActors { get; init; }

    internal void Validate()
    {
        if (NumSamples < 1)
        {
            throw new ArgumentException($"TuneConfig.NumSamples must be at least 1, not {NumSamples}.", "tuneConfig");
        }
        if (MaxConcurrentTrials < 0)
        {
            throw new ArgumentException($"TuneConfig.MaxConcurrentTrials must be 0 (as many as fit) or more, not {MaxConcurrentTrials}.", "tuneConfig");
        }
        if (Metric is not null && Mode is null || Metric is null && Mode is not null)
        {
            throw new ArgumentException("TuneConfig.Metric and TuneConfig.Mode go together: set both or neither.", "tuneConfig");
        }
        if (Mode is { } mode && !Enum.IsDefined(mode))
        {
            throw new ArgumentException($"TuneConfig.Mode {(int)mode} is not Max or Min.", "tuneConfig");
        }
        ArgumentNullException.ThrowIfNull(ResourcesPerTrial, "tuneConfig.ResourcesPerTrial");
        foreach (var (name, amount) in ResourcesPerTrial.Concat(ExtraBundlesPerTrial?.SelectMany(b => b) ?? []))
        {
            if (string.IsNullOrWhiteSpace(name) || !double.IsFinite(amount) || amount < 0)
            {
                throw new ArgumentException($"A trial resource needs a name and a finite amount of at least 0, not '{name}' = {amount}.", "tuneConfig");
            }
        }
    }
}
