using RaySharp.Tune.Execution;

namespace RaySharp.Tune;

/// <summary>
/// Population Based Training (Ray's <c>PopulationBasedTraining</c>, Jaderberg et al. 2017). Every
/// <c>perturbationInterval</c> of the time attribute a trial is ranked against the others by its latest score: a trial in
/// the bottom <c>quantileFraction</c> <em>exploits</em> one of the top trials — it restarts from that trial's latest
/// checkpoint (copied into its own directory) with that trial's config — and <em>explores</em>: each hyperparameter in
/// <c>hyperparamMutations</c> is resampled (with <c>resampleProbability</c>) or perturbed (a number times 1.2 or 0.8, a
/// list value moved to a neighbour). Trials must report checkpoints for exploits to happen.
/// </summary>
public sealed class PopulationBasedTraining : TrialScheduler
{
    private readonly Dictionary<string, (double LastPerturbation, double? LastScore)> _state = new(StringComparer.Ordinal);
    private readonly ParamSpace _mutations;
    private readonly double _interval;
    private readonly double _burnIn;
    private readonly double _quantileFraction;
    private readonly double _resampleProbability;
    private readonly double[] _factors;
    private readonly Random _random;

    /// <summary>A PBT scheduler.</summary>
    /// <param name="hyperparamMutations">Config key (nested maps allowed) → a <see cref="Domain"/> to resample from and perturb, or an <c>object?[]</c> of values.</param>
    /// <param name="metric">The metric to rank by; null takes <see cref="TuneConfig.Metric"/>.</param>
    /// <param name="mode">Max or Min; null takes <see cref="TuneConfig.Mode"/>.</param>
    /// <param name="timeAttr">The result field that measures progress (default <c>time_total_s</c>, Ray's: seconds of training).</param>
    /// <param name="perturbationInterval">How much of the time attribute passes between a trial's rankings (Ray's default 60: a minute of training).</param>
    /// <param name="burnInPeriod">No ranking before the time attribute reaches this.</param>
    /// <param name="quantileFraction">The bottom and top fractions (default 0.25; at most 0.5).</param>
    /// <param name="resampleProbability">The chance that a hyperparameter is resampled rather than perturbed (default 0.25).</param>
    /// <param name="perturbationFactors">What a number is multiplied by when perturbed (default 1.2 and 0.8).</param>
    /// <param name="seed">Seeds the choices of donor and mutation.</param>
    /// <exception cref="ArgumentException">No mutations, an interval not above 0, a fraction outside (0, 0.5] or a probability outside [0, 1].</exception>
    public PopulationBasedTraining(IReadOnlyDictionary<string, object?> hyperparamMutations, string? metric = null, TuneMode? mode = null,
        string timeAttr = ResultFields.TimeTotal, double perturbationInterval = 60, double burnInPeriod = 0, double quantileFraction = 0.25,
        double resampleProbability = 0.25, double[]? perturbationFactors = null, int? seed = null) : base(metric, mode)
    {
        ArgumentNullException.ThrowIfNull(hyperparamMutations);
        ArgumentException.ThrowIfNullOrWhiteSpace(timeAttr);
        _mutations = ParsedMutations(hyperparamMutations);
        if (!(perturbationInterval > 0))
        {
            throw new ArgumentException($"PBT's perturbationInterval must be above 0, not {perturbationInterval}.", nameof(perturbationInterval));
        }
        if (!(quantileFraction > 0 && quantileFraction <= 0.5))
        {
            throw new ArgumentException($"PBT's quantileFraction must be in (0, 0.5], not {quantileFraction}.", nameof(quantileFraction));
        }
        if (!(resampleProbability >= 0 && resampleProbability <= 1))
        {
            throw new ArgumentException($"PBT's resampleProbability must be in [0, 1], not {resampleProbability}.", nameof(resampleProbability));
        }
        _factors = perturbationFactors ?? [1.2, 0.8];
        if (_factors.Length == 0 || _factors.Any(f => !double.IsFinite(f)))
        {
            throw new ArgumentException("PBT's perturbationFactors must be finite numbers, at least one.", nameof(perturbationFactors));
        }
        TimeAttr = timeAttr;
        _interval = perturbationInterval;
        _burnIn = burnInPeriod;
        _quantileFraction = quantileFraction;
        _resampleProbability = resampleProbability;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    /// <summary>The result field that measures a trial's progress.</summary>
    public string TimeAttr { get; }

    /// <summary>How many exploits this scheduler ordered.</summary>
    public int NumPerturbations { get; private set; }

    /// <summary>
    /// A trial joins the population; a mutated hyperparameter its config lacks is sampled from its mutation first (Ray
    /// fills it in the same way), so the mutations alone can define the search.
    /// </summary>
    internal override void OnTrialAdd(Trial trial)
    {
        if (!_state.TryAdd(trial.Id, (0, null)))
        {
            return;
        }
        var values = ResultTable.Flatten(trial.Config, "").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var filled = false;
        foreach (var (path, mutation) in _mutations.Leaves)
        {
            var key = string.Join('/', path);
            if (values.ContainsKey(key))
            {
                continue;
            }
            values[key] = mutation switch
            {
                GridSearch list => list.Values[_random.Next(list.Values.Count)],
                Domain domain => domain.Sample(_random),
                _ => null,
            };
            filled = true;
        }
        if (filled)
        {
            trial.Config = ParamSpace.Assemble(values.Select(kv => (kv.Key.Split('/'), kv.Value)));
        }
    }

    /// <summary>The waiting trial that is furthest behind goes first, so the population advances together (as Ray's PBT).</summary>
    internal override Trial ChooseTrialToRun(IReadOnlyList<Trial> pending) =>
        pending.MinBy(t => _state.TryGetValue(t.Id, out var s) ? s.LastPerturbation : 0)!;

    internal override TrialDecision OnTrialResult(Trial trial, IReadOnlyDictionary<string, double> result, IReadOnlyList<Trial> trials)
    {
        OnTrialAdd(trial);
        if (!result.TryGetValue(TimeAttr, out var time) || Score(result) is not { } score)
        {
            return TrialDecision.Continue;
        }
        if (time - _state[trial.Id].LastPerturbation < _interval || time < _burnIn)
        {
            return TrialDecision.Continue;
        }
        _state[trial.Id] = (time, score);
        var (lower, upper) = Quantiles(trials);
        if (!lower.Contains(trial) || upper.Count == 0)
        {
            return TrialDecision.Continue;
        }
        var donor = upper[_random.Next(upper.Count)];
        if (donor.LatestCheckpoint is null)
        {
            // Ray logs and skips too: nothing to copy yet.
            return TrialDecision.Continue;
        }
        _state[trial.Id] = _state[donor.Id];
        NumPerturbations++;
        return TrialDecision.Exploit(donor, Explore(donor.Config));
    }

    private (List<Trial> Lower, List<Trial> Upper) Quantiles(IReadOnlyList<Trial> trials)
    {
        var ranked = trials.Where(t => t.Status != TrialStatus.Error && _state.TryGetValue(t.Id, out var s) && s.LastScore is not null)
            .OrderBy(t => _state[t.Id].LastScore).ToList();
        if (ranked.Count <= 1)
        {
            return ([], []);
        }
        var size = (int)Math.Ceiling(ranked.Count * _quantileFraction);
        if (size > ranked.Count / 2.0)
        {
            size = ranked.Count / 2;
        }
        return (ranked.Take(size).ToList(), ranked.TakeLast(size).ToList());
    }

    /// <summary>The donor's config with each mutable hyperparameter resampled or perturbed.</summary>
    internal IReadOnlyDictionary<string, object?> Explore(IReadOnlyDictionary<string, object?> config)
    {
        var values = ResultTable.Flatten(config, "").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var (path, mutation) in _mutations.Leaves)
        {
            var key = string.Join('/', path);
            values.TryGetValue(key, out var current);
            var resample = _random.NextDouble() < _resampleProbability;
            values[key] = mutation switch
            {
                GridSearch list => Neighbour(list.Values, current, resample),
                Domain domain when resample || current is not (double or int or long) => domain.Sample(_random),
                Domain domain => Perturb(domain, current!),
                _ => current,
            };
        }
        return ParamSpace.Assemble(values.Select(kv => (kv.Key.Split('/'), kv.Value)));
    }

    private object? Neighbour(IReadOnlyList<object?> list, object? current, bool resample)
    {
        var index = list.ToList().FindIndex(v => Equals(v, current));
        if (resample || index < 0)
        {
            return list[_random.Next(list.Count)];
        }
        return list[Math.Clamp(index + (_random.Next(2) == 0 ? -1 : 1), 0, list.Count - 1)];
    }

    private object Perturb(Domain domain, object current)
    {
        var factor = _factors[_random.Next(_factors.Length)];
        var value = Convert.ToDouble(current, System.Globalization.CultureInfo.InvariantCulture) * factor;
        // Integers stay integers, truncated as Ray's int() does (not one conditional expression: int, long and double
        // would all meet as double).
        if (domain is IntegerDomain || current is int)
        {
            return (int)value;
        }
        if (current is long)
        {
            return (long)value;
        }
        return value;
    }

    private static ParamSpace ParsedMutations(IReadOnlyDictionary<string, object?> mutations)
    {
        // A list of values is kept as a GridSearch leaf: it is only ever read as the list to move along.
        static IReadOnlyDictionary<string, object?> Lists(IReadOnlyDictionary<string, object?> map) => map.ToDictionary(
            kv => kv.Key,
            kv => kv.Value switch
            {
                object?[] list when list.Length > 0 => Tune.GridSearch(list),
                IReadOnlyDictionary<string, object?> nested => Lists(nested),
                var other => other,
            },
            StringComparer.Ordinal);
        var space = ParamSpace.Parse(Lists(mutations), "hyperparamMutations");
        if (space.Leaves.Count == 0 || space.Leaves.Any(l => l.Value is not (Domain or GridSearch)))
        {
            throw new ArgumentException("PBT's hyperparamMutations map config keys to a Domain (Tune.Uniform, ...) or an object?[] of values, at least one.", nameof(mutations));
        }
        return space;
    }
}
