using RaySharp.Common.Configuration;

namespace RaySharp.Common.Logging;

/// <summary>
/// How big a component's log file may grow before it is rotated, and how many rotated files are kept
/// (Ray's RAY_ROTATION_MAX_BYTES and RAY_ROTATION_BACKUP_COUNT, with Ray's defaults: 512 MiB, 5): a
/// cluster that runs for weeks keeps at most <c>(BackupCount + 1) × MaxBytes</c> of each log.
/// </summary>
public sealed record LogRotation
{
    /// <summary>Ray's default: 512 MiB.</summary>
    public const long DefaultMaxBytes = 512L * 1024 * 1024;

    /// <summary>Ray's default: 5.</summary>
    public const int DefaultBackupCount = 5;

    /// <summary>A log longer than this moves to <c>&lt;name&gt;.1</c> and a new one starts.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Rotated files kept (<c>.1</c> newest … <c>.N</c> oldest); 0 keeps none: the log starts over.</summary>
    public int BackupCount { get; init; } = DefaultBackupCount;

    /// <summary>The defaults, with what RAYSHARP_ROTATION_MAX_BYTES and RAYSHARP_ROTATION_BACKUP_COUNT set.</summary>
    /// <exception cref="ArgumentException">A variable is set to something that is not a valid value.</exception>
    public static LogRotation FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    internal static LogRotation FromVariables(Func<string, string?> variables) => new()
    {
        // Under 1 KiB a single line with a stack trace would rotate the file on every write.
        MaxBytes = EnvironmentSettings.Count("RAYSHARP_ROTATION_MAX_BYTES", 1024, variables: variables) ?? DefaultMaxBytes,
        BackupCount = (int)(EnvironmentSettings.Count("RAYSHARP_ROTATION_BACKUP_COUNT", 0, 1000, variables) ?? DefaultBackupCount),
    };
}
