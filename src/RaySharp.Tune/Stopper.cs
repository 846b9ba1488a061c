namespace RaySharp.Tune;

/// <summary>
/// When a trial stops regardless of its scheduler (Ray's <c>RunConfig(stop=...)</c>): a dictionary of metric → threshold
/// converts to one that stops a trial once a result's metric reaches its threshold (e.g. <c>training_iteration</c> = 10);
/// <see cref="When"/> takes a function of the trial id and the result.
/// </summary>
public sealed class Stopper
{
    private readonly Func<string, IReadOnlyDictionary<string, double>, bool> _shouldStop;

    private Stopper(Func<string, IReadOnlyDictionary<string, double>, bool> shouldStop, string description)
    {
        _shouldStop = shouldStop;
        Description = description;
    }

    /// <summary>What the stopper checks, for messages.</summary>
    public string Description { get; }

    /// <summary>Stops a trial once any of the metrics reaches its threshold (≥).</summary>
    /// <param name="thresholds">Metric → threshold.</param>
    /// <returns>The stopper.</returns>
    public static Stopper AtLeast(IReadOnlyDictionary<string, double> thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        var copy = thresholds.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return new Stopper(
            (_, result) => copy.Any(kv => result.TryGetValue(kv.Key, out var value) && value >= kv.Value),
            string.Join(", ", copy.Select(kv => $"{kv.Key} >= {kv.Value}")));
    }

    /// <summary>Stops a trial when the function says so; it runs on the driver, so it may capture anything.</summary>
    /// <param name="shouldStop">Trial id, result → stop.</param>
    /// <returns>The stopper.</returns>
    public static Stopper When(Func<string, IReadOnlyDictionary<string, double>, bool> shouldStop)
    {
        ArgumentNullException.ThrowIfNull(shouldStop);
        return new Stopper(shouldStop, "a stop function");
    }

    /// <summary>As <see cref="AtLeast"/>.</summary>
    /// <param name="thresholds">Metric → threshold.</param>
    public static implicit operator Stopper(Dictionary<string, double> thresholds) => AtLeast(thresholds);

    internal bool ShouldStop(string trialId, IReadOnlyDictionary<string, double> result) => _shouldStop(trialId, result);
}
