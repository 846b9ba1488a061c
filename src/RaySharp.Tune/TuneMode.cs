namespace RaySharp.Tune;

/// <summary>Whether a metric is better high or low (Ray's <c>mode="max"</c> / <c>"min"</c>).</summary>
public enum TuneMode
{
    /// <summary>Higher is better (accuracy, reward).</summary>
    Max,

    /// <summary>Lower is better (loss, error).</summary>
    Min,
}
