namespace RaySharp.Tune;

/// <summary>
/// A param space taken apart: its leaves by path — constants, <see cref="Domain"/>s and <see cref="GridSearch"/>es —
/// checked once, when the <see cref="Tuner"/> is made, and put back together per trial.
/// </summary>
internal sealed class ParamSpace
{
    private ParamSpace(List<(string[] Path, object? Value)> leaves) => Leaves = leaves;

    public IReadOnlyList<(string[] Path, object? Value)> Leaves { get; }

    /// <summary>The grid searches, in the order they appear.</summary>
    public IEnumerable<(string[] Path, GridSearch Grid)> Grids => Leaves.Where(l => l.Value is GridSearch).Select(l => (l.Path, (GridSearch)l.Value!));

    /// <summary>The random domains, in the order they appear.</summary>
    public IEnumerable<(string[] Path, Domain Domain)> Domains => Leaves.Where(l => l.Value is Domain).Select(l => (l.Path, (Domain)l.Value!));

    /// <summary>How many grid points: the product of the grid searches' lengths (1 without any).</summary>
    public int GridPoints => Grids.Aggregate(1, (n, g) => checked(n * g.Grid.Values.Count));

    public static ParamSpace Parse(IReadOnlyDictionary<string, object?> space, string paramName)
    {
        ArgumentNullException.ThrowIfNull(space, paramName);
        var leaves = new List<(string[], object?)>();
        Walk(space, [], leaves, paramName);
        return new ParamSpace(leaves);
    }

    private static void Walk(IReadOnlyDictionary<string, object?> map, string[] prefix, List<(string[], object?)> leaves, string paramName)
    {
        foreach (var (key, value) in map)
        {
            if (string.IsNullOrEmpty(key) || key.Contains('/'))
            {
                throw new ArgumentException($"The param space key '{key}' is empty or holds '/', which separates nested keys in paths.", paramName);
            }
            string[] path = [.. prefix, key];
            switch (value)
            {
                case IReadOnlyDictionary<string, object?> nested:
                    Walk(nested, path, leaves, paramName);
                    break;
                case IDictionary<string, object?> nested:
                    Walk(new Dictionary<string, object?>(nested, StringComparer.Ordinal), path, leaves, paramName);
                    break;
                case Domain or GridSearch:
                    leaves.Add((path, value));
                    break;
                default:
                    leaves.Add((path, ConfigValues.CheckPlain(value, $"The param space value at '{string.Join('/', path)}'", paramName)));
                    break;
            }
        }
    }

    /// <summary>Builds a trial's nested config from a value for every leaf path.</summary>
    public static IReadOnlyDictionary<string, object?> Assemble(IEnumerable<(string[] Path, object? Value)> values)
    {
        var root = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (path, value) in values)
        {
            var map = root;
            for (var i = 0; i < path.Length - 1; i++)
            {
                if (!map.TryGetValue(path[i], out var child) || child is not Dictionary<string, object?> next)
                {
                    next = new Dictionary<string, object?>(StringComparer.Ordinal);
                    map[path[i]] = next;
                }
                map = next;
            }
            map[path[^1]] = value;
        }
        return root;
    }
}
