namespace RaySharp.Tune;

/// <summary>
/// Tree-structured Parzen Estimator search (Bergstra et al. 2011; what Ray reaches through HyperOpt and Optuna), written
/// here. The first <c>numStartupTrials</c> configs are random; after that the finished trials are split into the best
/// <c>gamma</c> fraction and the rest, each hyperparameter gets a density l(x) from the good ones and g(x) from the others,
/// and the proposal is the best of <c>numCandidates</c> draws from l by l(x)/g(x) — hyperparameters independently, in log
/// space for log domains. Grid searches are refused (use <see cref="BasicVariantGenerator"/> for those).
/// </summary>
public sealed class TpeSearch : SearchAlgorithm
{
    private readonly int _startup;
    private readonly int _candidates;
    private readonly double _gamma;
    private readonly Random _random;
    private readonly List<(Dictionary<string, object?> Values, double Score)> _observations = [];
    private readonly string? _metric;
    private readonly TuneMode? _mode;

    /// <summary>A TPE search.</summary>
    /// <param name="metric">The metric to optimize; null takes <see cref="TuneConfig.Metric"/>.</param>
    /// <param name="mode">Max or Min; null takes <see cref="TuneConfig.Mode"/>.</param>
    /// <param name="numStartupTrials">Random configs before the model is used (default 10).</param>
    /// <param name="numCandidates">Draws from l(x) per proposal (default 24).</param>
    /// <param name="gamma">The fraction of finished trials counted as good (default 0.25).</param>
    /// <param name="seed">Seeds every draw: same seed, same results, same proposals.</param>
    /// <exception cref="ArgumentException">numStartupTrials below 1, numCandidates below 1, or gamma outside (0, 1).</exception>
    public TpeSearch(string? metric = null, TuneMode? mode = null, int numStartupTrials = 10, int numCandidates = 24, double gamma = 0.25, int? seed = null)
    {
        if (numStartupTrials < 1 || numCandidates < 1)
        {
            throw new ArgumentException($"TPE needs at least one startup trial and one candidate, not {numStartupTrials} and {numCandidates}.", nameof(numStartupTrials));
        }
        if (!(gamma > 0 && gamma < 1))
        {
            throw new ArgumentException($"TPE's gamma must be in (0, 1), not {gamma}.", nameof(gamma));
        }
        _metric = metric;
        _mode = mode;
        _startup = numStartupTrials;
        _candidates = numCandidates;
        _gamma = gamma;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    internal override int TotalTrials => NumSamples;

    private string? ModelMetric => _metric ?? Metric;

    private TuneMode? ModelMode => _mode ?? Mode;

    internal override void Setup(ParamSpace space, string? metric, TuneMode? mode, int numSamples)
    {
        base.Setup(space, metric, mode, numSamples);
        if (space.Grids.Any())
        {
            throw new ArgumentException("TpeSearch does not take grid searches: put the values in Tune.Choice, or use BasicVariantGenerator.", "paramSpace");
        }
        if (ModelMetric is null || ModelMode is null)
        {
            throw new ArgumentException("TpeSearch needs a metric and a mode: give it them, or set TuneConfig.Metric and TuneConfig.Mode.", "tuneConfig");
        }
    }

    internal override IReadOnlyDictionary<string, object?>? Suggest(string trialId)
    {
        if (IsFinished)
        {
            return null;
        }
        Suggested++;
        var useModel = _observations.Count >= _startup;
        var (good, bad) = useModel ? Split() : ([], []);
        return ParamSpace.Assemble(Space.Leaves.Select(leaf =>
        {
            var key = string.Join('/', leaf.Path);
            return (leaf.Path, leaf.Value is Domain domain
                ? useModel ? Propose(domain, good.Select(o => o[key]).ToList(), bad.Select(o => o[key]).ToList()) : domain.Sample(_random)
                : leaf.Value);
        }));
    }

    internal override void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?> config, IReadOnlyDictionary<string, double>? result)
    {
        if (result is null || !result.TryGetValue(ModelMetric!, out var value) || !double.IsFinite(value))
        {
            return;
        }
        var values = ResultTable.Flatten(config, "").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        _observations.Add((values, ModelMode == TuneMode.Min ? -value : value));
    }

    private (List<Dictionary<string, object?>> Good, List<Dictionary<string, object?>> Bad) Split()
    {
        var ranked = _observations.OrderByDescending(o => o.Score).Select(o => o.Values).ToList();
        var goodCount = Math.Max(1, (int)Math.Ceiling(_gamma * ranked.Count));
        return (ranked.Take(goodCount).ToList(), ranked.Skip(goodCount).ToList());
    }

    private object? Propose(Domain domain, List<object?> good, List<object?> bad)
    {
        switch (domain)
        {
            case CategoricalDomain categorical:
                {
                    var l = CategoryWeights(categorical, good);
                    var g = CategoryWeights(categorical, bad);
                    var best = Enumerable.Range(0, _candidates).Select(_ => Draw(l))
                        .MaxBy(i => Math.Log(l[i]) - Math.Log(g[i]));
                    return categorical.Categories[best];
                }
            case IntegerDomain integer:
                {
                    // Integers as reals over [lower - 0.5, upper - 0.5], rounded back.
                    var x = ProposeReal(good.Select(Convert.ToDouble).ToList(), bad.Select(Convert.ToDouble).ToList(), integer.Lower - 0.5, integer.Upper - 0.5);
                    return Math.Clamp((int)Math.Round(x), integer.Lower, integer.Upper - 1);
                }
            case FloatDomain real:
                {
                    var (low, high) = real.Internal;
                    var x = ProposeReal(good.Select(v => real.ToInternal(Convert.ToDouble(v))).ToList(), bad.Select(v => real.ToInternal(Convert.ToDouble(v))).ToList(), low, high);
                    return real.FromInternal(x);
                }
            default:
                return domain.Sample(_random);
        }
    }

    private double ProposeReal(List<double> good, List<double> bad, double low, double high)
    {
        var l = new ParzenEstimator(good, low, high);
        var g = new ParzenEstimator(bad, low, high);
        return Enumerable.Range(0, _candidates).Select(_ => l.Sample(_random)).MaxBy(x => l.LogDensity(x) - g.LogDensity(x));
    }

    // Counts plus one (the prior), normalized.
    private static double[] CategoryWeights(CategoricalDomain domain, List<object?> observed)
    {
        var weights = domain.Categories.Select(c => 1.0 + observed.Count(o => Equals(o, c))).ToArray();
        var sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    private int Draw(double[] weights)
    {
        var pick = _random.NextDouble();
        for (var i = 0; i < weights.Length - 1; i++)
        {
            pick -= weights[i];
            if (pick < 0)
            {
                return i;
            }
        }
        return weights.Length - 1;
    }
}
