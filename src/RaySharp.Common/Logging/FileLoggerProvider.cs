using Microsoft.Extensions.Logging;

namespace RaySharp.Common.Logging;

/// <summary>
/// Writes a component's log to one file in the session's log directory (gcs.log, raylet.log, ...),
/// so the console stays the user's while the cluster's own story can still be read afterwards. The file
/// is created with its first line: a worker process that has nothing to report leaves no empty file.
/// Each file has one writing process (names carry the component or the pid), so rotating it by
/// renames needs no lock between processes.
/// </summary>
public sealed class FileLoggerProvider : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly LogRotation _rotation;
    private StreamWriter? _writer;
    private long _length;
    private bool _disposed;

    /// <summary>A log at <paramref name="path"/>, rotated as <paramref name="rotation"/> says (from the environment when null).</summary>
    public FileLoggerProvider(string path, LogRotation? rotation = null)
    {
        _path = path;
        _rotation = rotation ?? LogRotation.FromEnvironment();
    }

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
                if (_writer is not null && _length >= _rotation.MaxBytes)
                {
                    _writer.Dispose();
                    _writer = null;
                    Rotate();
                }
                if (_writer is null)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                    var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                    _length = stream.Length;
                    _writer = new StreamWriter(stream) { AutoFlush = true };
                }
                _writer.WriteLine(line);
                // Close enough for a size limit: lines are mostly ASCII, and the limit is in hundreds of MiB.
                _length += line.Length + 1;
            }
            catch (IOException)
            {
                // A full or removed log directory must not break the component that logs.
            }
        }
    }

    // path.N-1 → path.N, …, path → path.1; the oldest falls off the end.
    private void Rotate()
    {
        if (_rotation.BackupCount == 0)
        {
            File.Delete(_path);
            return;
        }
        File.Delete($"{_path}.{_rotation.BackupCount}");
        for (var n = _rotation.BackupCount - 1; n >= 1; n--)
        {
            if (File.Exists($"{_path}.{n}"))
            {
                File.Move($"{_path}.{n}", $"{_path}.{n + 1}");
            }
        }
        File.Move(_path, $"{_path}.1");
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
