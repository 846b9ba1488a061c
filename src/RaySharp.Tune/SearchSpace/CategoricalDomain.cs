namespace RaySharp.Tune;

/// <summary>One of a list of values, each equally likely (Ray's choice).</summary>
internal sealed class CategoricalDomain : Domain
{
    public CategoricalDomain(IReadOnlyList<object?> categories) => Categories = categories;

    public IReadOnlyList<object?> Categories { get; }

    internal override object? Sample(Random random) => Categories[random.Next(Categories.Count)];

    public override string ToString() => $"choice([{string.Join(", ", Categories.Select(ConfigValues.Format))}])";
}
