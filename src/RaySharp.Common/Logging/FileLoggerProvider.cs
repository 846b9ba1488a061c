using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Extensions.Logging;
using ILogger = Microsoft.Extensions.Logging.ILogger;
using Serilog.Formatting.Compact;

namespace RaySharp.Common.Logging;

/// <summary>
/// Writes a component's log to one file in the session's log directory (gcs.log, raylet.log, ...), through
/// Serilog's file sink, so the console stays the user's while the cluster's own story can still be read afterwards.
/// The sink rotates by size (<see cref="LogRotation"/>: the current file keeps its name until it is full, then
/// <c>name_001.ext</c>, <c>name_002.ext</c>, ... follow and the oldest are deleted) and writes text or JSON lines
/// (<see cref="LogFormat"/>). Serilog is set up at the first line, not before: a worker process that has nothing to
/// report leaves no empty file and loads no logging code as it starts.
/// </summary>
public sealed class FileLoggerProvider : ILoggerProvider
{
    private const string TextTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    // Typed as the interface, with Serilog built in a method of its own: a field of Lazy<SerilogLoggerProvider> loaded
    // Serilog's assemblies into every process that made a log, even a worker that never writes a line.
    private readonly Lazy<ILoggerProvider> _serilog;
    private bool _disposed;

    /// <summary>A log at <paramref name="path"/>, rotated as <paramref name="rotation"/> says and in the <paramref name="format"/> given (both from the environment when null).</summary>
    public FileLoggerProvider(string path, LogRotation? rotation = null, LogFormat? format = null)
    {
        var size = rotation ?? LogRotation.FromEnvironment();
        var lines = format ?? LogFormats.FromEnvironment();
        _serilog = new Lazy<ILoggerProvider>(() => CreateSerilogProvider(path, size, lines), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ILoggerProvider CreateSerilogProvider(string path, LogRotation rotation, LogFormat format) =>
        new SerilogLoggerProvider(Create(path, rotation, format), dispose: true);

    /// <summary>A factory for one component's log file; <paramref name="minimum"/> and above (Information by default), framework chatter at Warning.</summary>
    public static ILoggerFactory CreateFactory(string path, LogLevel minimum = LogLevel.Information) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(minimum);
        builder.AddFilter("Microsoft", LogLevel.Warning);
        builder.AddFilter("Grpc", LogLevel.Warning);
        builder.AddProvider(new FileLoggerProvider(path));
    });

    /// <summary>A Serilog logger that writes lines to <paramref name="path"/> with the rotation and format given.</summary>
    public static Serilog.Core.Logger Create(string path, LogRotation rotation, LogFormat format, string? textTemplate = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var configuration = new Serilog.LoggerConfiguration().MinimumLevel.Verbose();
        // retainedFileCountLimit counts the current file too.
        var retained = rotation.BackupCount + 1;
        return (format == LogFormat.Json
            ? configuration.WriteTo.File(new RenderedCompactJsonFormatter(), path, fileSizeLimitBytes: rotation.MaxBytes, rollOnFileSizeLimit: true, retainedFileCountLimit: retained)
            : configuration.WriteTo.File(path, outputTemplate: textTemplate ?? TextTemplate, fileSizeLimitBytes: rotation.MaxBytes, rollOnFileSizeLimit: true, retainedFileCountLimit: retained,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)).CreateLogger();
    }

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_serilog)
        {
            _disposed = true;
            if (_serilog.IsValueCreated)
            {
                _serilog.Value.Dispose();
            }
        }
    }

    private ILogger? Inner(string category)
    {
        lock (_serilog)
        {
            // Lines logged while the component shuts down go nowhere.
            return _disposed ? null : _serilog.Value.CreateLogger(category);
        }
    }

    // Defers Serilog until the first line; after that every call goes straight to Serilog's logger.
    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        private ILogger? _inner;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var inner = _inner ??= provider.Inner(category);
            inner?.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
