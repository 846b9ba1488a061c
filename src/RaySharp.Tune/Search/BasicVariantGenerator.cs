namespace RaySharp.Tune;

/// <summary>
/// Random sampling and grid search (Ray's <c>BasicVariantGenerator</c>, the default): <see cref="TuneConfig.NumSamples"/>
/// times over, every grid point of the param space (as Ray: grid searches ordered by key path, the first varying fastest), each with its random domains
/// sampled anew. With a seed, the same space gives the same configs in the same order.
/// </summary>
public sealed class BasicVariantGenerator : SearchAlgorithm
{
    private readonly Random _random;
    private List<(string[] Path, GridSearch Grid)> _grids = [];
    private int _gridPoints = 1;

    /// <summary>A random and grid search.</summary>
    /// <param name="seed">Seeds the sampling (Ray's <c>random_state</c>); null samples differently each run.</param>
    public BasicVariantGenerator(int? seed = null) => _random = seed is { } s ? new Random(s) : new Random();

    internal override int TotalTrials => checked(NumSamples * _gridPoints);

    internal override void Setup(ParamSpace space, string? metric, TuneMode? mode, int numSamples)
    {
        base.Setup(space, metric, mode, numSamples);
        // Ray sorts the grid searches by their key paths: the first in that order varies fastest.
        _grids = space.Grids.OrderBy(g => g.Path, PathOrder.Instance).ToList();
        _gridPoints = space.GridPoints;
    }

    internal override IReadOnlyDictionary<string, object?>? Suggest(string trialId)
    {
        if (IsFinished)
        {
            return null;
        }
        var point = Suggested % _gridPoints;
        Suggested++;
        var gridValues = new Dictionary<GridSearch, object?>(ReferenceEqualityComparer.Instance);
        foreach (var (_, grid) in _grids)
        {
            gridValues[grid] = grid.Values[point % grid.Values.Count];
            point /= grid.Values.Count;
        }
        // Leaves in space order, domains sampled in that order: the seed alone fixes every value.
        return ParamSpace.Assemble(Space.Leaves.Select(leaf => (leaf.Path, leaf.Value switch
        {
            GridSearch grid => gridValues[grid],
            Domain domain => domain.Sample(_random),
            var constant => constant,
        })));
    }
}

/// <summary>Key paths in Ray's order (Python's tuple order): key by key, ordinal, a shorter prefix first.</summary>
internal sealed class PathOrder : IComparer<string[]>
{
    public static readonly PathOrder Instance = new();

    public int Compare(string[]? x, string[]? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var order = string.CompareOrdinal(x[i], y[i]);
            if (order != 0)
            {
                return order;
            }
        }
        return x.Length.CompareTo(y.Length);
    }
}
