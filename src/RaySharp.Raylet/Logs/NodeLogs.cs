using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Logging;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Logs;

/// <summary>
/// The node's log directory as the log API reads it (Ray's log agent): the logs listed by name, one read from its
/// end and, when asked, followed as it grows and across its rotations. Only names listed in the directory are
/// served (no path in a name), and reading never holds a file open against its writer's rotation.
/// </summary>
internal sealed class NodeLogs(string directory)
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(250);

    public LogFileList List(ByteString nodeId)
    {
        var list = new LogFileList { NodeId = nodeId };
        if (!Directory.Exists(directory))
        {
            return list;
        }
        foreach (var name in Directory.EnumerateFiles(directory).Select(f => LogFiles.LogName(Path.GetFileName(f))).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (LogFiles.Current(Path.Combine(directory, name)) is { } current)
            {
                var info = new FileInfo(current);
                list.Files.Add(new LogFileInfo { Name = name, Size = info.Length, ModifiedMs = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds() });
            }
        }
        return list;
    }

    /// <summary>The log a request names, checked: a name the directory lists, with no path in it.</summary>
    /// <exception cref="RpcException">NotFound, or InvalidArgument for a name with a path in it.</exception>
    public string Resolve(StreamLogRequest request)
    {
        var name = request.Name;
        // No path, no wildcards (the name becomes a directory search pattern), no characters a file name cannot hold.
        if (name.Length == 0 || name != Path.GetFileName(name) || name.Contains("..", StringComparison.Ordinal)
            || name.IndexOfAny(['*', '?']) >= 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"'{name}' is not a log's name: ask for one that raysharp logs --node-id lists."));
        }
        return LogFiles.Current(Path.Combine(directory, name)) is null
            ? throw new RpcException(new Status(StatusCode.NotFound, $"This node has no log named '{name}'."))
            : name;
    }

    /// <summary>Sends the last lines of the log, then (following) what is appended to it, in chunks.</summary>
    public async Task StreamAsync(string name, int tailLines, bool follow, IServerStreamWriter<LogChunk> output, CancellationToken cancellationToken)
    {
        var log = Path.Combine(directory, name);
        var file = LogFiles.Current(log)!;
        long position;
        await using (var stream = Open(file))
        {
            position = tailLines < 0 ? 0 : await TailStartAsync(stream, tailLines, cancellationToken).ConfigureAwait(false);
            position = await CopyAsync(stream, position, output, cancellationToken).ConfigureAwait(false);
        }
        while (follow && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var current = LogFiles.Current(log);
            if (current is null)
            {
                continue;
            }
            if (current != file)
            {
                // Rotated: the rest of the old file (if it still exists), then the new one from its start.
                if (File.Exists(file))
                {
                    await using var old = Open(file);
                    await CopyAsync(old, position, output, cancellationToken).ConfigureAwait(false);
                }
                (file, position) = (current, 0);
            }
            await using var stream = Open(file);
            position = stream.Length < position ? 0 : position; // truncated: start over
            position = await CopyAsync(stream, position, output, cancellationToken).ConfigureAwait(false);
        }
    }

    private static FileStream Open(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.ReadWrite | FileShare.Delete,
        Options = FileOptions.Asynchronous,
    });

    // Where the last `lines` lines begin: read back from the end a block at a time, counting newlines (a final
    // newline ends the last line rather than starting an empty one).
    private static async Task<long> TailStartAsync(FileStream stream, int lines, CancellationToken cancellationToken)
    {
        var length = stream.Length;
        if (lines == 0 || length == 0)
        {
            return length;
        }
        var buffer = new byte[ChunkBytes];
        var seen = 0;
        var end = length;
        var skipFinal = true;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            var count = (int)(end - start);
            stream.Position = start;
            await stream.ReadExactlyAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            for (var i = count - 1; i >= 0; i--)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }
                if (skipFinal && start + i == length - 1)
                {
                    continue;
                }
                if (++seen == lines)
                {
                    return start + i + 1;
                }
            }
            skipFinal = false;
            end = start;
        }
        return 0;
    }

    private static async Task<long> CopyAsync(FileStream stream, long position, IServerStreamWriter<LogChunk> output, CancellationToken cancellationToken)
    {
        stream.Position = position;
        var buffer = new byte[ChunkBytes];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await output.WriteAsync(new LogChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
            position += read;
        }
        return position;
    }
}
