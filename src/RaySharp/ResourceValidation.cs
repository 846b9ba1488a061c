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
        if (double.IsNaN(amount) || double.IsInfinity(amount) || amount < 0)
        {
            throw new ArgumentException($"The amount of resource '{name}' must be a finite number ≥ 0, not {amount.ToString(CultureInfo.InvariantCulture)}.", paramName);
        }
        if (amount > 1 && amount != Math.Floor(amount))
        {
            throw new ArgumentException($"The amount of resource '{name}' is {amount.ToString(CultureInfo.InvariantCulture)}: amounts above 1 must be whole numbers (Ray's rule).", paramName);
        }
        var units = amount * 10_000;
        if (Math.Abs(units - Math.Round(units)) > 1e-6)
        {
            throw new ArgumentException($"The amount of resource '{name}' is {amount.ToString(CultureInfo.InvariantCulture)}: fractions go down to 0.0001, no finer.", paramName);
        }
    }
}
