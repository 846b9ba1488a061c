using System.Globalization;

namespace RaySharp;

/// <summary>Checks resource amounts where the user gives them, so a bad one fails at the call (DESIGN.md §8).</summary>
internal static class ResourceValidation
{
    /// <summary>Sets (or with 0 removes) a resource demand after checking the amount.</summary>
    public static void Set(IDictionary<string, double> demand, string name, double amount)
    {
        Check(name, amount, nameof(amount));
        if (amount == 0)
        {
            demand.Remove(name);
        }
        else
        {
            demand[name] = amount;
        }
    }

    /// <summary>A retry or restart count: -1 means without limit.</summary>
    public static int CheckCount(int value, string paramName) =>
        value >= -1 ? value : throw new ArgumentException($"{paramName} must be -1 (no limit) or ≥ 0, not {value}.", paramName);

    public static void Check(string name, double amount, string paramName)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A resource needs a name, e.g. \"CPU\", \"GPU\" or a custom one.", paramName);
        }
        if (double.IsNaN(amount) || double.IsInfinity(amount) || amount < 0 || amount > 1e13)
        {
            throw new ArgumentException($"The amount of resource '{name}' must be a finite number from 0 to 1e13, not {amount.ToString(CultureInfo.InvariantCulture)}.", paramName);
        }
        // Ray's rules: a GPU is handed out whole above 1 (its ids), any other resource may be 1.5 or 2.25; amounts are kept
        // in 1/10000 units, so a non-zero amount below one unit is refused and finer digits are dropped.
        if (name == "GPU" && amount > 1 && amount != Math.Floor(amount))
        {
            throw new ArgumentException($"The amount of resource '{name}' is {amount.ToString(CultureInfo.InvariantCulture)}: GPUs above 1 must be whole numbers (Ray's rule).", paramName);
        }
        if (amount != 0 && (long)(amount * 10_000) == 0)
        {
            throw new ArgumentException($"The amount of resource '{name}' is {amount.ToString(CultureInfo.InvariantCulture)}: the precision of a fraction cannot go beyond 0.0001.", paramName);
        }
    }
}
