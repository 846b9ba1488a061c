namespace RaySharp.Tune;

/// <summary>
/// A one-dimensional Parzen window density on [low, high] (TPE's l(x) and g(x)): a Gaussian per observation, with a
/// width that adapts to the gaps between neighbouring observations (as hyperopt's adaptive Parzen estimator), plus a
/// wide prior component centred on the range, so no region ever has zero density.
/// </summary>
internal sealed class ParzenEstimator
{
    private readonly double _low;
    private readonly double _high;
    private readonly double[] _means;
    private readonly double[] _sigmas;

    public ParzenEstimator(IReadOnlyList<double> observations, double low, double high)
    {
        _low = low;
        _high = high;
        var range = high - low;
        var points = observations.Select(o => Math.Clamp(o, low, high)).Append((low + high) / 2).Order().ToArray();
        _means = points;
        _sigmas = new double[points.Length];
        var minimum = range / Math.Min(100.0, 1 + points.Length);
        for (var i = 0; i < points.Length; i++)
        {
            var left = i > 0 ? points[i] - points[i - 1] : points[i] - low;
            var right = i < points.Length - 1 ? points[i + 1] - points[i] : high - points[i];
            _sigmas[i] = Math.Clamp(Math.Max(left, right), minimum, range);
        }
        // The prior (the range's centre) is as wide as the range.
        var prior = Array.IndexOf(points, (low + high) / 2);
        _sigmas[prior] = range;
    }

    public double Sample(Random random)
    {
        var k = random.Next(_means.Length);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var x = _means[k] + (_sigmas[k] * Gaussian(random));
            if (x >= _low && x <= _high)
            {
                return x;
            }
        }
        return Math.Clamp(_means[k], _low, _high);
    }

    /// <summary>The log of the (equal-weight mixture's) density at x, up to the truncation's normalization per component.</summary>
    public double LogDensity(double x)
    {
        var sum = 0.0;
        for (var i = 0; i < _means.Length; i++)
        {
            var z = (x - _means[i]) / _sigmas[i];
            sum += Math.Exp(-0.5 * z * z) / (_sigmas[i] * Mass(i));
        }
        return Math.Log(Math.Max(sum / _means.Length, double.Epsilon));
    }

    // The share of component i's mass inside [low, high], so truncated components are not penalized.
    private double Mass(int i) =>
        Math.Max(NormalCdf((_high - _means[i]) / _sigmas[i]) - NormalCdf((_low - _means[i]) / _sigmas[i]), 1e-12);

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double NormalCdf(double z) => 0.5 * (1 + Erf(z / Math.Sqrt(2)));

    // Abramowitz and Stegun 7.1.26: |error| < 1.5e-7, plenty for comparing densities.
    private static double Erf(double x)
    {
        var sign = Math.Sign(x);
        x = Math.Abs(x);
        var t = 1 / (1 + (0.3275911 * x));
        var y = 1 - (((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t) - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return sign * y;
    }
}
