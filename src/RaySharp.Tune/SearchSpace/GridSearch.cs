namespace RaySharp.Tune;

/// <summary>
/// Every one of a list of values (Ray's <c>tune.grid_search</c>), made by <see cref="Tune.GridSearch"/>. The
/// experiment runs the cartesian product of all grid searches in the param space, <see cref="TuneConfig.NumSamples"/>
/// times over; random domains are sampled anew for each of those trials.
/// </summary>
public sealed class GridSearch
{
    internal GridSearch(IReadOnlyList<object?> values) => Values = values;

    /// <summary>The values, in the order trials get them.</summary>
    public IReadOnlyList<object?> Values { get; }

    /// <inheritdoc/>
    public override string ToString() => $"grid_search([{string.Join(", ", Values.Select(ConfigValues.Format))}])";
}
