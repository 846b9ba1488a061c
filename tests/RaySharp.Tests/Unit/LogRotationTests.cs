using Microsoft.Extensions.Logging;
using RaySharp.Common.Logging;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// A component's log file is rotated at its size limit and only the configured number of rotated
/// files is kept (Ray's RAY_ROTATION_MAX_BYTES / RAY_ROTATION_BACKUP_COUNT), so a long-running
/// cluster's logs stay bounded.
/// </summary>
public sealed class LogRotationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "raysharp-logrotation-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_log_past_its_limit_is_rotated_and_only_the_newest_backups_are_kept()
    {
        var path = Path.Combine(_directory, "gcs.log");
        using (var factory = LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(path, new LogRotation { MaxBytes = 4096, BackupCount = 2 }))))
        {
            var log = factory.CreateLogger("Test");
            for (var i = 0; i < 1000; i++)
            {
                log.LogInformation("line {Index:D4} {Padding}", i, new string('x', 60));
            }
        }

        var files = Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["gcs.log", "gcs.log.1", "gcs.log.2"], files);
        foreach (var file in files)
        {
            // The limit is checked before each line, so a file ends at most one line past it.
            Assert.InRange(new FileInfo(Path.Combine(_directory, file)).Length, 1, 4096 + 200);
        }
        // Newest last: the last line is in gcs.log, the lines before it in .1, then .2; older ones are gone.
        var current = File.ReadAllLines(path);
        Assert.Contains("line 0999", current[^1], StringComparison.Ordinal);
        var previous = File.ReadAllLines(path + ".1");
        var oldest = File.ReadAllLines(path + ".2");
        Assert.Equal(Index(previous[^1]) + 1, Index(current[0]));
        Assert.Equal(Index(oldest[^1]) + 1, Index(previous[0]));
        Assert.True(Index(oldest[0]) > 0, "the oldest lines were kept although only two backups are allowed");
    }

    [Fact]
    public void A_log_with_no_backups_starts_over_at_its_limit()
    {
        var path = Path.Combine(_directory, "raylet.log");
        using (var factory = LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(path, new LogRotation { MaxBytes = 2048, BackupCount = 0 }))))
        {
            var log = factory.CreateLogger("Test");
            for (var i = 0; i < 500; i++)
            {
                log.LogInformation("line {Index:D4}", i);
            }
        }

        Assert.Equal(["raylet.log"], Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)));
        Assert.InRange(new FileInfo(path).Length, 1, 2048 + 200);
        Assert.Contains("line 0499", File.ReadAllLines(path)[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RAYSHARP_ROTATION_MAX_BYTES", "10")]
    [InlineData("RAYSHARP_ROTATION_MAX_BYTES", "lots")]
    [InlineData("RAYSHARP_ROTATION_BACKUP_COUNT", "-1")]
    public void An_invalid_setting_is_an_error_that_names_the_variable(string variable, string value)
    {
        // Not the process environment: other tests in this process start components that read it.
        var error = Assert.Throws<ArgumentException>(() => LogRotation.FromVariables(name => name == variable ? value : null));
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
        Assert.Equal(new LogRotation { MaxBytes = 1024, BackupCount = 3 },
            LogRotation.FromVariables(name => name == "RAYSHARP_ROTATION_MAX_BYTES" ? "1024" : name == "RAYSHARP_ROTATION_BACKUP_COUNT" ? "3" : null));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static int Index(string line)
    {
        var at = line.IndexOf("line ", StringComparison.Ordinal) + 5;
        return int.Parse(line.AsSpan(at, 4), System.Globalization.CultureInfo.InvariantCulture);
    }
}
