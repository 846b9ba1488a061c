using System.Globalization;

namespace RaySharp.Gcs;

/// <summary>
/// The GCS's tunables in one place (Ray's ray_config_def.h), each with its environment variable so a
/// cluster's head can be tuned without a rebuild.
/// </summary>
public sealed record GcsOptions
{
    /// <summary>Silence shorter than this never kills a node: a paused or starved raylet is not a dead one.</summary>
    public static readonly TimeSpan MinHealthCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a node may send nothing before it is declared dead (Ray: 15–30 s by default). A crashed
    /// raylet is seen at once through its broken lifeline; this is only for nodes that hang or are cut off.
    /// <c>RAYSHARP_HEALTH_CHECK_TIMEOUT_S</c>; at least <see cref="MinHealthCheckTimeout"/>.
    /// </summary>
    public TimeSpan HealthCheckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The options, with what the environment sets.</summary>
    public static GcsOptions FromEnvironment()
    {
        var options = new GcsOptions();
        if (Environment.GetEnvironmentVariable("RAYSHARP_HEALTH_CHECK_TIMEOUT_S") is { Length: > 0 } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds >= MinHealthCheckTimeout.TotalSeconds))
            {
                throw new ArgumentException(
                    $"RAYSHARP_HEALTH_CHECK_TIMEOUT_S must be a number of seconds, at least {MinHealthCheckTimeout.TotalSeconds}; it is '{text}'.");
            }
            options = options with { HealthCheckTimeout = TimeSpan.FromSeconds(seconds) };
        }
        return options;
    }
}
