using RaySharp.Tune.Execution;

namespace RaySharp.Tune;

/// <summary>
/// Decides after each result whether a trial goes on (Ray Tune's trial schedulers): <see cref="FifoScheduler"/>,
/// <see cref="AsyncHyperBandScheduler"/> (ASHA) and <see cref="PopulationBasedTraining"/>.
/// </summary>
public abstract class TrialScheduler
{
    private protected TrialScheduler(string? metric, TuneMode? mode)
    {
        if (metric is not null && string.IsNullOrWhiteSpace(metric))
        {
            throw new ArgumentException("A scheduler's metric must not be blank.", nameof(metric));
        }
        if (mode is { } m && !Enum.IsDefined(m))
        {
            throw new ArgumentException($"Mode {(int)m} is not Max or Min.", nameof(mode));
        }
        Metric = metric;
        Mode = mode;
    }

    /// <summary>The metric it compares trials by; null takes <see cref="TuneConfig.Metric"/>.</summary>
    public string? Metric { get; private set; }

    /// <summary>Whether the metric is better high or low; null takes <see cref="TuneConfig.Mode"/>.</summary>
    public TuneMode? Mode { get; private set; }

    /// <summary>True for schedulers that compare trials, so need a metric and a mode.</summary>
    private protected virtual bool NeedsMetric => true;

    /// <summary>Fills the metric and mode from the tune config; throws when a scheduler that needs them has none.</summary>
    internal void SetDefaults(string? metric, TuneMode? mode)
    {
        Metric ??= metric;
        Mode ??= mode;
        if (NeedsMetric && (Metric is null || Mode is null))
        {
            throw new ArgumentException($"{GetType().Name} compares trials: give it a metric and a mode, or set TuneConfig.Metric and TuneConfig.Mode.", "tuneConfig");
        }
    }

    /// <summary>The metric's value in a result, turned so that higher is better; null when the result lacks it.</summary>
    internal double? Score(IReadOnlyDictionary<string, double> result) =>
        Metric is not null && result.TryGetValue(Metric, out var value) && !double.IsNaN(value) ? (Mode == TuneMode.Min ? -value : value) : null;

    /// <summary>Which waiting trial starts next (Ray's <c>choose_trial_to_run</c>); the first by default.</summary>
    internal virtual Trial ChooseTrialToRun(IReadOnlyList<Trial> pending) => pending[0];

    internal virtual void OnTrialAdd(Trial trial)
    {
    }

    internal abstract TrialDecision OnTrialResult(Trial trial, IReadOnlyDictionary<string, double> result, IReadOnlyList<Trial> trials);

    internal virtual void OnTrialComplete(Trial trial)
    {
    }

    internal virtual void OnTrialError(Trial trial)
    {
    }
}
