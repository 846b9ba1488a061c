using System.Globalization;

namespace RaySharp.Raylet;

/// <summary>
/// Resource amounts in fixed point (1/10000 units, Ray's granularity), so that adding and taking
/// fractions never drifts the way doubles do.
/// </summary>
public sealed class ResourceSet
{
    public const long UnitsPerWhole = 10_000;

    private readonly Dictionary<string, long> _amounts;

    public ResourceSet() => _amounts = new(StringComparer.Ordinal);

    public ResourceSet(IEnumerable<KeyValuePair<string, double>> amounts) : this()
    {
        foreach (var (name, amount) in amounts)
        {
            if (amount != 0)
            {
                _amounts[name] = ToUnits(amount);
            }
        }
    }

    public static long ToUnits(double amount) => (long)Math.Round(amount * UnitsPerWhole, MidpointRounding.AwayFromZero);

    public static double FromUnits(long units) => (double)units / UnitsPerWhole;

    public IReadOnlyDictionary<string, long> Units => _amounts;

    public long Get(string name) => _amounts.GetValueOrDefault(name);

    /// <summary>True when every amount of <paramref name="demand"/> is available here.</summary>
    public bool Covers(ResourceSet demand)
    {
        foreach (var (name, units) in demand._amounts)
        {
            if (units > 0 && Get(name) < units)
            {
                return false;
            }
        }
        return true;
    }

    public void Subtract(ResourceSet other)
    {
        foreach (var (name, units) in other._amounts)
        {
            _amounts[name] = Get(name) - units;
        }
    }

    public void Add(ResourceSet other)
    {
        foreach (var (name, units) in other._amounts)
        {
            _amounts[name] = Get(name) + units;
        }
    }

    public void Add(string name, long units) => _amounts[name] = Get(name) + units;

    /// <summary>Forgets the names whose amount is 0 now (a removed placement group's resources), so reports do not list them.</summary>
    public void RemoveZeros(Func<string, bool> which)
    {
        foreach (var name in _amounts.Where(a => a.Value == 0 && which(a.Key)).Select(a => a.Key).ToList())
        {
            _amounts.Remove(name);
        }
    }

    public Dictionary<string, double> ToDoubles()
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, units) in _amounts)
        {
            result[name] = FromUnits(units);
        }
        return result;
    }

    public override string ToString() =>
        "{" + string.Join(", ", _amounts.Select(a => a.Key + ": " + FromUnits(a.Value).ToString(CultureInfo.InvariantCulture))) + "}";
}
