using System.Globalization;

namespace RaySharp.Tune;

/// <summary>Integers from <see cref="Lower"/> (inclusive) to <see cref="Upper"/> (exclusive), each equally likely (Ray's randint).</summary>
internal sealed class IntegerDomain : Domain
{
    public IntegerDomain(int lower, int upper)
    {
        Lower = lower;
        Upper = upper;
    }

    public int Lower { get; }

    public int Upper { get; }

    internal override object? Sample(Random random) => random.Next(Lower, Upper);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"randint({Lower}, {Upper})");
}
