using RaySharp.Tune.Execution;

namespace RaySharp.Tune;

/// <summary>
/// ASHA, asynchronous successive halving (Ray's <c>AsyncHyperBandScheduler</c>, Li et al. 2018). Rungs sit at
/// <c>gracePeriod · reductionFactor^k</c> of the time attribute below <c>maxT</c>. The first time a trial reaches a rung it
/// is compared with the trials recorded there before it: unless it is in their top 1/<c>reductionFactor</c> it stops.
/// Trials never wait for one another. Trials reaching <c>maxT</c> stop.
/// </summary>
public sealed class AsyncHyperBandScheduler : TrialScheduler
{
    private readonly List<AshaBracket> _brackets;
    private readonly Dictionary<string, AshaBracket> _bracketOf = new(StringComparer.Ordinal);
    private readonly Random _random;
    private readonly double _maxT;

    /// <summary>An ASHA scheduler.</summary>
    /// <param name="metric">The metric to compare; null takes <see cref="TuneConfig.Metric"/>.</param>
    /// <param name="mode">Max or Min; null takes <see cref="TuneConfig.Mode"/>.</param>
    /// <param name="timeAttr">The result field that measures progress (Ray's default, <c>training_iteration</c>).</param>
    /// <param name="maxT">Trials stop when the time attribute reaches it (default 100).</param>
    /// <param name="gracePeriod">The first rung: no trial stops before it (default 1).</param>
    /// <param name="reductionFactor">Each rung keeps the top 1/this of the trials (default 4).</param>
    /// <param name="brackets">How many brackets (default 1); a trial joins one at random, the more rungs the likelier.</param>
    /// <param name="seed">Seeds the choice of bracket.</param>
    /// <exception cref="ArgumentException">maxT or gracePeriod not above 0, gracePeriod above maxT, reductionFactor not above 1, or brackets below 1.</exception>
    public AsyncHyperBandScheduler(string? metric = null, TuneMode? mode = null, string timeAttr = ResultFields.TrainingIteration, double maxT = 100,
        double gracePeriod = 1, double reductionFactor = 4, int brackets = 1, int? seed = null) : base(metric, mode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(timeAttr);
        if (!(maxT > 0) || !(gracePeriod > 0) || gracePeriod > maxT)
        {
            throw new ArgumentException($"ASHA needs 0 < gracePeriod <= maxT, not gracePeriod {gracePeriod} and maxT {maxT}.", nameof(gracePeriod));
        }
        if (!(reductionFactor > 1) || !double.IsFinite(reductionFactor))
        {
            throw new ArgumentException($"ASHA's reductionFactor must be above 1, not {reductionFactor}.", nameof(reductionFactor));
        }
        if (brackets < 1)
        {
            throw new ArgumentException($"ASHA needs at least one bracket, not {brackets}.", nameof(brackets));
        }
        TimeAttr = timeAttr;
        _maxT = maxT;
        _random = seed is { } s ? new Random(s) : new Random();
        _brackets = Enumerable.Range(0, brackets).Select(s => new AshaBracket(gracePeriod, maxT, reductionFactor, s)).ToList();
    }

    /// <summary>The result field that measures a trial's progress.</summary>
    public string TimeAttr { get; }

    /// <summary>How many trials this scheduler stopped early (below a rung's cutoff; trials reaching maxT are not counted).</summary>
    public int NumStopped { get; private set; }

    internal override void OnTrialAdd(Trial trial)
    {
        if (_bracketOf.ContainsKey(trial.Id))
        {
            return;
        }
        // As Ray: a bracket with more rungs is likelier, in proportion to e^(rungs - most rungs).
        var most = _brackets.Max(b => b.Rungs.Count);
        var weights = _brackets.Select(b => Math.Exp(b.Rungs.Count - most)).ToArray();
        var pick = _random.NextDouble() * weights.Sum();
        var index = 0;
        while (index < weights.Length - 1 && pick >= weights[index])
        {
            pick -= weights[index];
            index++;
        }
        _bracketOf[trial.Id] = _brackets[index];
    }

    internal override TrialDecision OnTrialResult(Trial trial, IReadOnlyDictionary<string, double> result, IReadOnlyList<Trial> trials)
    {
        if (!result.TryGetValue(TimeAttr, out var time) || Score(result) is not { } score)
        {
            return TrialDecision.Continue;
        }
        OnTrialAdd(trial);
        if (time >= _maxT)
        {
            return TrialDecision.Finish;
        }
        var stop = _bracketOf[trial.Id].OnResult(trial.Id, time, score);
        NumStopped += stop ? 1 : 0;
        return stop ? TrialDecision.Stop : TrialDecision.Continue;
    }

    internal override void OnTrialComplete(Trial trial)
    {
        // A trial that ended on its own is recorded at the rungs it reached, so later trials are compared with it.
        if (trial.LastResult is { } result && result.TryGetValue(TimeAttr, out var time) && Score(result) is { } score && _bracketOf.TryGetValue(trial.Id, out var bracket))
        {
            bracket.OnResult(trial.Id, time, score);
        }
    }
}
