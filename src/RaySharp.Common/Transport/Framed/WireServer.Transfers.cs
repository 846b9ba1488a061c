using System.Collections.Concurrent;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// Transfer connections: a raylet's wire server also takes connections that carry an object's raw bytes to another
/// raylet (a pull), with no frames. A pulled chunk in a frame was copied four times on its way (store to frame buffer,
/// into the socket, out of it into a fresh array, into the store) and its array zeroed on the way in; on a transfer
/// connection the sender writes from its store's memory into the socket and the receiver reads from the socket into
/// its store's memory, the two copies a plain TCP stream makes. Such a connection opens as any other (TLS when
/// configured, the cluster token checked), then is served on a thread of its own by the handler given to
/// <see cref="Start"/>, with blocking reads and writes, until either side closes it.
/// </summary>
internal sealed partial class WireServer
{
    /// <summary>Transfer connections served at once, at most: each holds a thread. Beyond it a connection is refused as busy.</summary>
    internal const int MaxTransferConnections = 64;

    /// <summary>The refusal's reason when every transfer slot is taken: a client falls back to framed reads.</summary>
    internal const string TransfersBusy = "This RaySharp raylet serves as many transfer connections as it can; read with frames instead.";

    /// <summary>The refusal's reason from a server that takes no transfer connections.</summary>
    internal const string NoTransfers = "This RaySharp wire server takes no transfer connections.";

    /// <summary>How long <see cref="DisposeAsync"/> waits for the transfers it ended to return (they may be using memory the owner frees next).</summary>
    private static readonly TimeSpan TransfersEndTimeout = TimeSpan.FromSeconds(10);

    private readonly Action<Stream, CancellationToken>? _transfers;
    private readonly ConcurrentDictionary<Stream, bool> _transferStreams = new();
    private int _transferCount;

    /// <summary>Transfer connections served now.</summary>
    internal int TransferConnectionCount => Volatile.Read(ref _transferCount);

    /// <summary>
    /// Null when <paramref name="transfer"/> is false, or when a transfer connection may be served (it then holds a slot
    /// until <see cref="TransferEnded"/>); else the refusal to send.
    /// </summary>
    private byte[]? TransferRefusal(bool transfer)
    {
        if (!transfer)
        {
            return null;
        }
        if (_transfers is null)
        {
            return WirePreamble.Refused(NoTransfers);
        }
        if (Interlocked.Increment(ref _transferCount) > MaxTransferConnections)
        {
            Interlocked.Decrement(ref _transferCount);
            return WirePreamble.Refused(TransfersBusy);
        }
        return null;
    }

    private void TransferEnded() => Interlocked.Decrement(ref _transferCount);

    /// <summary>Serves an accepted transfer connection on a new thread (the asynchronous handshake's path).</summary>
    private void ServeTransferOnThread(Stream stream)
    {
        try
        {
            new Thread(() => ServeTransfer(stream)) { IsBackground = true, Name = "RaySharp transfer" }.Start();
        }
        catch (Exception ex) when (ex is OutOfMemoryException or ThreadStartException)
        {
            TransferEnded();
            stream.Dispose();
        }
    }

    /// <summary>Runs the handler on the calling thread until the connection ends; never throws (it runs on a thread of its own).</summary>
    private void ServeTransfer(Stream stream)
    {
        _transferStreams[stream] = true;
        try
        {
            if (!_stopping.IsCancellationRequested)
            {
                _transfers!(stream, _stopping.Token);
            }
        }
        catch (Exception)
        {
            // A peer that broke the protocol or went away: this connection ends, nothing else.
        }
        finally
        {
            _transferStreams.TryRemove(stream, out _);
            stream.Dispose();
            TransferEnded();
        }
    }

    /// <summary>
    /// Ends every transfer connection (a blocked read or write on one throws) and waits, bounded, until their handlers have
    /// returned: a handler reads the owner's memory (a raylet's store), which the owner may unmap once this server is gone.
    /// </summary>
    private async Task CloseTransfersAsync()
    {
        foreach (var stream in _transferStreams.Keys)
        {
            stream.Dispose();
        }
        var deadline = Environment.TickCount64 + (long)TransfersEndTimeout.TotalMilliseconds;
        while (Volatile.Read(ref _transferCount) > 0 && Environment.TickCount64 < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
            // A connection accepted while the first ones closed is ended too.
            foreach (var stream in _transferStreams.Keys)
            {
                stream.Dispose();
            }
        }
    }
}
