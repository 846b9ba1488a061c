using RaySharp.Common.RuntimeEnvs;

namespace RaySharp;

/// <summary>How a <see cref="RuntimeEnv"/> is set up (Ray's <c>RuntimeEnvConfig</c>).</summary>
public sealed class RuntimeEnvConfig
{
    private readonly TimeSpan _setupTimeout = RuntimeEnvRules.DefaultSetupTimeout;

    /// <summary>
    /// How long a node may take to set the environment up for a worker (fetching its working dir) before the
    /// task fails with <see cref="RuntimeEnvSetupException"/> (Ray's <c>setup_timeout_seconds</c>). Default 600 s;
    /// <see cref="Timeout.InfiniteTimeSpan"/>: no limit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Zero, negative other than <see cref="Timeout.InfiniteTimeSpan"/>, or longer than 30 days.</exception>
    public TimeSpan SetupTimeout
    {
        get => _setupTimeout;
        init => _setupTimeout = (value > TimeSpan.Zero && value <= RuntimeEnvRules.MaxSetupTimeout) || value == Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(nameof(SetupTimeout), value,
                $"The setup timeout must be positive and at most {RuntimeEnvRules.MaxSetupTimeout.TotalDays:0} days, or Timeout.InfiniteTimeSpan for no limit.");
    }
}
