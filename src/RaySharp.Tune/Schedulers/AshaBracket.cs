namespace RaySharp.Tune;

/// <summary>One bracket of ASHA: its rungs, highest first, each with the scores recorded there (trial id → score, higher is better).</summary>
internal sealed class AshaBracket
{
    private readonly double _reductionFactor;

    public AshaBracket(double gracePeriod, double maxT, double reductionFactor, int s)
    {
        _reductionFactor = reductionFactor;
        // Ray's rung count, truncated as Ray truncates it.
        var count = (int)((Math.Log(maxT / gracePeriod) / Math.Log(reductionFactor)) - s + 1);
        Rungs = Enumerable.Range(0, Math.Max(count, 0)).Reverse()
            .Select(k => (Milestone: gracePeriod * Math.Pow(reductionFactor, k + s), Recorded: new Dictionary<string, double>(StringComparer.Ordinal)))
            .ToList();
    }

    public List<(double Milestone, Dictionary<string, double> Recorded)> Rungs { get; }

    /// <summary>Records the trial at the highest rung it newly reached; true when it falls below that rung's cutoff.</summary>
    public bool OnResult(string trialId, double time, double score)
    {
        foreach (var (milestone, recorded) in Rungs)
        {
            if (time < milestone || recorded.ContainsKey(trialId))
            {
                continue;
            }
            var stop = Cutoff(recorded.Values) is { } cutoff && score < cutoff;
            recorded[trialId] = score;
            return stop;
        }
        return false;
    }

    /// <summary>The score at the (1 - 1/rf) percentile of those recorded (linear interpolation, as numpy's), or null when none are.</summary>
    private double? Cutoff(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }
        return Percentile(sorted, 1 - (1 / _reductionFactor));
    }

    public static double Percentile(double[] sorted, double fraction)
    {
        var position = fraction * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
