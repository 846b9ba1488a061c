using Microsoft.Extensions.Logging;

namespace RaySharp.Common.Logging;

/// <summary>
/// A logger factory for one log file without Microsoft.Extensions.Logging's <see cref="LoggerFactory"/>: the
/// same levels as <see cref="FileLoggerProvider.CreateFactory"/> (the minimum, framework categories at Warning),
/// but no service provider, options or filter rules to build. A worker process opens its runtime log as it
/// starts, and building the full factory cost it ~40 ms of JIT compiling. Other providers cannot be added.
/// </summary>
public sealed class FileLoggerFactory(string path, LogLevel minimum = LogLevel.Information) : ILoggerFactory
{
    private readonly FileLoggerProvider _provider = new(path);

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName)
    {
        var framework = categoryName.StartsWith("Microsoft", StringComparison.Ordinal) || categoryName.StartsWith("Grpc", StringComparison.Ordinal);
        var least = framework && minimum < LogLevel.Warning ? LogLevel.Warning : minimum;
        return new LevelFilter(_provider.CreateLogger(categoryName), least);
    }

    /// <summary>Not supported: this factory writes its one file only.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("A FileLoggerFactory writes one file; use FileLoggerProvider.CreateFactory for more providers.");

    /// <inheritdoc/>
    public void Dispose() => _provider.Dispose();

    private sealed class LevelFilter(ILogger inner, LogLevel least) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= least && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
