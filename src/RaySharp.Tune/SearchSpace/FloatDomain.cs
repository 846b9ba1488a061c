using System.Globalization;

namespace RaySharp.Tune;

/// <summary>A real range: uniform, log-uniform (in the log of <see cref="LogBase"/>), optionally rounded to a multiple of <see cref="Quantum"/>.</summary>
internal sealed class FloatDomain : Domain
{
    public FloatDomain(double lower, double upper, double logBase, double quantum)
    {
        Lower = lower;
        Upper = upper;
        LogBase = logBase;
        Quantum = quantum;
    }

    public double Lower { get; }

    public double Upper { get; }

    /// <summary>0 for a uniform range, else the base of the logarithm the range is uniform in.</summary>
    public double LogBase { get; }

    /// <summary>0 for none, else samples are rounded to a multiple of it (Ray's quniform).</summary>
    public double Quantum { get; }

    public bool IsLog => LogBase > 0;

    /// <summary>The range in the space samples are uniform in (log space for a log range).</summary>
    public (double Low, double High) Internal => IsLog ? (ToInternal(Lower), ToInternal(Upper)) : (Lower, Upper);

    public double ToInternal(double value) => IsLog ? Math.Log(value) / Math.Log(LogBase) : value;

    /// <summary>Maps a point of the internal space back, rounded to the quantum and kept in range.</summary>
    public double FromInternal(double value)
    {
        var x = IsLog ? Math.Pow(LogBase, value) : value;
        if (Quantum > 0)
        {
            x = Math.Round(x / Quantum, MidpointRounding.ToEven) * Quantum;
        }
        return Math.Clamp(x, Lower, Upper);
    }

    internal override object? Sample(Random random)
    {
        var (low, high) = Internal;
        return FromInternal(low + (random.NextDouble() * (high - low)));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Quantum > 0 ? "q" : "")}{(IsLog ? "loguniform" : "uniform")}({Lower}, {Upper}{(Quantum > 0 ? $", {Quantum}" : "")})");
}
