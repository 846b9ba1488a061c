using RaySharp.Common.Logging;

namespace RaySharp.Raylet;

/// <summary>
/// One of a worker's output streams kept in the node's log directory (Ray's <c>worker-&lt;id&gt;-&lt;pid&gt;.out</c> and
/// <c>.err</c>), line by line as the raylet reads them, so <c>raysharp logs</c> and the dashboard can show what a
/// worker, an actor or a task printed after the driver that saw it has gone. Written through Serilog's file sink
/// (rotated by size as the node's other logs: RAYSHARP_ROTATION_MAX_BYTES / _BACKUP_COUNT), created at the first line.
/// </summary>
internal sealed class WorkerOutputFile(string path, LogRotation rotation) : IDisposable
{
    private readonly Lock _lock = new();
    private Serilog.Core.Logger? _log;
    private bool _closed;

    public void Write(string line)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            // The line as the worker wrote it: a property, not a message template (braces in it stay braces).
            _log ??= FileLoggerProvider.Create(path, rotation, LogFormat.Text, "{Line:l}{NewLine}");
            _log.Information("{Line:l}", line);
        }
    }

    /// <summary>The stream ended (the worker exited): the file is closed.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _closed = true;
            _log?.Dispose();
        }
    }
}
