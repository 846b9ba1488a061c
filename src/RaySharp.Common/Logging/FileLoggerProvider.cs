using Microsoft.Extensions.Logging;

namespace RaySharp.Common.Logging;

/// <summary>
/// Writes a component's log to one file in the session's log directory (gcs.log, raylet.log, ...),
/// so the console stays the user's while the cluster's own story can still be read afterwards. The file
/// is created with its first line: a worker process that has nothing to report leaves no empty file.
/// </summary>
public sealed class FileLoggerProvider : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly string _path;
    private StreamWriter? _writer;
    private bool _disposed;

    public FileLoggerProvider(string path) => _path = path;

    /// <summary>A factory for one component's log file; <paramref name="minimum"/> and above (Information by default), framework chatter at Warning.</summary>
    public static ILoggerFactory CreateFactory(string path, LogLevel minimum = LogLevel.Information) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(minimum);
        builder.AddFilter("Microsoft", LogLevel.Warning);
        builder.AddFilter("Grpc", LogLevel.Warning);
        builder.AddProvider(new FileLoggerProvider(path));
    });

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _writer?.Dispose();
        }
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                // Lines logged while the component shuts down.
                return;
            }
            try
            {
                if (_writer is null)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                    _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
                }
                _writer.WriteLine(line);
            }
            catch (IOException)
            {
                // A full or removed log directory must not break the component that logs.
            }
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}";
            provider.Write(exception is null ? line : line + Environment.NewLine + exception);
        }
    }
}
