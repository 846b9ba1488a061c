namespace RaySharp.Bench.Soak;

/// <summary>One sample: every series' value at <paramref name="Elapsed"/> since the workload started; NaN where there was nothing to measure.</summary>
public sealed record SoakSample(TimeSpan Elapsed, IReadOnlyDictionary<string, double> Values)
{
    public double this[string series] => Values.TryGetValue(series, out var v) ? v : double.NaN;
}
