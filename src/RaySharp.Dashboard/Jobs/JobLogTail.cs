namespace RaySharp.Dashboard.Jobs;

/// <summary>
/// Follows a job's driver log (Ray's tail_job_logs): what the file holds, then what is appended as it is
/// written, until the job has ended and the last bytes are sent. Polls the file: the writer is another
/// process (the entrypoint's redirected output), and a poll every 200 ms costs nothing next to a driver.
/// </summary>
internal static class JobLogTail
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(200);

    /// <param name="logFile">The driver log (it may not exist yet while the job is pending).</param>
    /// <param name="hasEnded">Whether the job's status is final; asked only when the file has nothing new.</param>
    /// <param name="output">Where the bytes go, flushed as they come.</param>
    /// <param name="cancellationToken">The client went away.</param>
    public static async Task CopyAsync(string logFile, Func<CancellationToken, Task<bool>> hasEnded, Stream output, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        long position = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Asked before reading, so the bytes written before the end are read after it was seen.
            var ended = await hasEnded(cancellationToken).ConfigureAwait(false);
            position += await CopyNewAsync(logFile, position, buffer, output, cancellationToken).ConfigureAwait(false);
            if (ended)
            {
                return;
            }
            await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<long> CopyNewAsync(string logFile, long position, byte[] buffer, Stream output, CancellationToken cancellationToken)
    {
        if (!File.Exists(logFile))
        {
            return 0;
        }
        await using var file = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        file.Position = Math.Min(position, file.Length);
        long copied = 0;
        int read;
        while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            copied += read;
        }
        if (copied > 0)
        {
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        return copied;
    }
}
