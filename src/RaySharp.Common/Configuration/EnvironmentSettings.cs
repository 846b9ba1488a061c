using System.Globalization;

namespace RaySharp.Common.Configuration;

/// <summary>
/// Reads the RAYSHARP_* variables that tune a process (Ray's RAY_* config overrides): unset means the
/// default, and a value that is not valid is an error naming the variable, not a silent fallback.
/// <c>variables</c> stands in for the process environment where a caller (a test) reads another set.
/// </summary>
internal static class EnvironmentSettings
{
    /// <summary>A duration given in seconds; null when unset.</summary>
    /// <exception cref="ArgumentException">Not a finite number of seconds ≥ <paramref name="minimum"/>.</exception>
    public static TimeSpan? Seconds(string variable, double minimum, Func<string, string?>? variables = null)
    {
        if ((variables ?? Environment.GetEnvironmentVariable)(variable) is not { Length: > 0 } text)
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds >= minimum) || double.IsInfinity(seconds))
        {
            throw new ArgumentException($"{variable} must be a number of seconds, at least {minimum}; it is '{text}'.");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>; null when unset.</summary>
    /// <exception cref="ArgumentException">Not a whole number in that range.</exception>
    public static long? Count(string variable, long minimum = 0, long maximum = long.MaxValue, Func<string, string?>? variables = null)
    {
        if ((variables ?? Environment.GetEnvironmentVariable)(variable) is not { Length: > 0 } text)
        {
            return null;
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < minimum || count > maximum)
        {
            throw new ArgumentException($"{variable} must be a whole number from {minimum} to {maximum}; it is '{text}'.");
        }
        return count;
    }
}
