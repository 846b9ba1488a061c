using Microsoft.Extensions.Logging;
using RaySharp.Common.Logging;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// A component's log file is rotated at its size limit by Serilog's file sink and only the configured number of rotated
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

        // Serilog's file sink: gcs.log, then gcs_001.log, gcs_002.log, ... as each fills; the current one and two before it are kept.
        var files = LogFiles.Rotated(path);
        Assert.Equal(3, files.Count);
        Assert.Equal(files, Directory.GetFiles(_directory).Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            Assert.InRange(new FileInfo(file).Length, 1, 4096 + 200);
            Assert.Equal("gcs.log", LogFiles.LogName(Path.GetFileName(file)));
        }
        // Newest last: the last line is in the current file, the lines before it in the one before; older ones are gone.
        var current = File.ReadAllLines(files[2]);
        Assert.Contains("line 0999", current[^1], StringComparison.Ordinal);
        Assert.Equal(files[2], LogFiles.Current(path));
        var previous = File.ReadAllLines(files[1]);
        var oldest = File.ReadAllLines(files[0]);
        Assert.Equal(Index(previous[^1]) + 1, Index(current[0]));
        Assert.Equal(Index(oldest[^1]) + 1, Index(previous[0]));
        Assert.True(Index(oldest[0]) > 0, "the oldest lines were kept although only two backups are allowed");
    }

    [Fact]
    public void Json_lines_carry_the_rendered_message_level_and_category()
    {
        var path = Path.Combine(_directory, "json.log");
        using (var factory = LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(path, new LogRotation(), LogFormat.Json))))
        {
            factory.CreateLogger("RaySharp.Raylet.WorkerPool").LogWarning("worker {Pid} exited with {Code}", 42, 137);
        }
        using var line = System.Text.Json.JsonDocument.Parse(Assert.Single(File.ReadAllLines(path)));
        Assert.Equal("worker 42 exited with 137", line.RootElement.GetProperty("@m").GetString());
        Assert.Equal("Warning", line.RootElement.GetProperty("@l").GetString());
        Assert.Equal("RaySharp.Raylet.WorkerPool", line.RootElement.GetProperty("SourceContext").GetString());
        Assert.Equal(42, line.RootElement.GetProperty("Pid").GetInt32());
        Assert.Throws<ArgumentException>(() => LogFormats.Parse("xml", LogFormats.Variable));
    }

    [Fact]
    public void A_quiet_component_leaves_no_file()
    {
        var path = Path.Combine(_directory, "quiet.log");
        using (var factory = LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(path))))
        {
            factory.CreateLogger("Quiet");
        }
        Assert.False(File.Exists(path));
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

        var only = Assert.Single(Directory.GetFiles(_directory));
        Assert.Equal(only, LogFiles.Current(path));
        Assert.InRange(new FileInfo(only).Length, 1, 2048 + 200);
        Assert.Contains("line 0499", File.ReadAllLines(only)[^1], StringComparison.Ordinal);
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
