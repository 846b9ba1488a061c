namespace RaySharp.Tune;

/// <summary>
/// Proposes the configs of new trials (Ray Tune's search algorithms): <see cref="BasicVariantGenerator"/> (random
/// sampling and grid search, the default) and <see cref="TpeSearch"/> (a model-based search).
/// </summary>
public abstract class SearchAlgorithm
{
    private protected SearchAlgorithm()
    {
    }

    internal ParamSpace Space { get; private set; } = null!;

    internal string? Metric { get; private set; }

    internal TuneMode? Mode { get; private set; }

    internal int NumSamples { get; private set; }

    /// <summary>How many configs it proposed so far.</summary>
    internal int Suggested { get; private protected set; }

    /// <summary>How many trials the experiment has in all (for the progress table).</summary>
    internal abstract int TotalTrials { get; }

    internal bool IsFinished => Suggested >= TotalTrials;

    internal virtual void Setup(ParamSpace space, string? metric, TuneMode? mode, int numSamples)
    {
        Space = space;
        Metric = metric;
        Mode = mode;
        NumSamples = numSamples;
    }

    /// <summary>The next trial's config, or null when every trial was proposed.</summary>
    internal abstract IReadOnlyDictionary<string, object?>? Suggest(string trialId);

    /// <summary>A trial's result, as it comes.</summary>
    internal virtual void OnTrialResult(string trialId, IReadOnlyDictionary<string, object?> config, IReadOnlyDictionary<string, double> result)
    {
    }

    /// <summary>A trial ended: its last result, or null when it failed.</summary>
    internal virtual void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?> config, IReadOnlyDictionary<string, double>? result)
    {
    }

    /// <summary>
    /// After <see cref="Tuner.Restore(string, Action{TrialContext}, IReadOnlyDictionary{string, object?}, TuneConfig?, RunConfig?)"/>: the experiment
    /// already proposed <paramref name="count"/> configs; the next one is the one after them (a seeded search proposes what it would have).
    /// </summary>
    internal virtual void Skip(int count)
    {
        for (var i = 0; i < count && !IsFinished; i++)
        {
            Suggest("");
        }
    }
}
