namespace RaySharp.Bench.Soak;

/// <summary>
/// The flatness rule for one series: the mean of the last quarter of the samples is within 10%
/// of the mean of the second quarter (the first quarter is warm-up: workers starting, code compiling, heaps
/// growing to their working size), or within the series' floor, whichever is larger.
/// </summary>
/// <param name="Series">The series' name.</param>
/// <param name="SecondQuarter">Mean over the second quarter of its samples.</param>
/// <param name="LastQuarter">Mean over the last quarter.</param>
/// <param name="Allowed">The change allowed: max(10% of the second quarter, the floor).</param>
/// <param name="Samples">Samples with a value (a come-and-go series has none in intervals where no driver ended).</param>
public sealed record Flatness(string Series, double SecondQuarter, double LastQuarter, double Allowed, int Samples)
{
    public const double RelativeTolerance = 0.10;

    /// <summary>Fewer values than this leave a quarter empty: not judged.</summary>
    public const int MinimumSamples = 4;

    public double Change => LastQuarter - SecondQuarter;

    public bool Judged => Samples >= MinimumSamples;

    /// <summary>Flat, or too few samples to say.</summary>
    public bool Flat => !Judged || Math.Abs(Change) <= Allowed;

    public static Flatness Of(SeriesSpec spec, IReadOnlyList<SoakSample> samples)
    {
        var values = samples.Select(s => s[spec.Name]).Where(v => !double.IsNaN(v)).ToList();
        var n = values.Count;
        if (n == 0)
        {
            return new Flatness(spec.Name, double.NaN, double.NaN, spec.Floor, 0);
        }
        var second = Mean(values, n / 4, Math.Max((n / 4) + 1, n / 2));
        var last = Mean(values, 3 * n / 4, n);
        return new Flatness(spec.Name, second, last, Math.Max(RelativeTolerance * Math.Abs(second), spec.Floor), n);
    }

    private static double Mean(List<double> values, int from, int to) => values.Skip(from).Take(to - from).Average();
}
