using System.Net.Sockets;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// A new connection's handshake on a thread of its own, with blocking reads (Linux, plain sockets). .NET watches a
/// socket with its event thread (epoll) from the first asynchronous operation that has to wait, for good: every
/// message that arrives after that wakes the event thread and a thread-pool thread, even once the connection is read
/// by a thread of its own (<see cref="WireConnection.MoveReadsToOwnThread"/>). An asynchronous handshake waited on
/// most new connections, so the worker side of a <c>PushTasks</c> stream paid two extra thread wakes per batch in
/// some runs and not in others (single_client_tasks_sync ~4.5–6k/s against ~7.5k/s). Here nothing waits
/// asynchronously before the first frame is in: the hello is read blocking (bounded by
/// <see cref="HandshakeTimeout"/>), and the first frame is waited for with poll(2). A connection whose first frame
/// opens a method read on its own thread then never meets the event thread; any other connection goes on
/// asynchronously, as before.
/// </summary>
internal sealed partial class WireServer
{
    /// <summary>Handshakes on threads at once at most; connections beyond take the asynchronous path.</summary>
    private const int MaxThreadHandshakes = 64;

    private int _threadHandshakes;

    /// <summary>Serves a new connection, its handshake on a thread of its own where that can keep the event thread away.</summary>
    private void Serve(Socket socket)
    {
        if (SocketReadiness.IsSupported && (socket.AddressFamily == AddressFamily.Unix || _security.Tls is null))
        {
            if (Interlocked.Increment(ref _threadHandshakes) <= MaxThreadHandshakes)
            {
                try
                {
                    new Thread(() => ServeConnectionOnThread(socket)) { IsBackground = true, Name = "RaySharp wire handshake" }.Start();
                    return;
                }
                catch (Exception ex) when (ex is OutOfMemoryException or ThreadStartException)
                {
                    // No thread to be had: the asynchronous path below.
                }
            }
            Interlocked.Decrement(ref _threadHandshakes);
        }
        _ = Task.Run(() => ServeConnectionAsync(socket));
    }

    private void ServeConnectionOnThread(Socket socket)
    {
        NetworkStream? stream = null;
        WireServerConnection? connection = null;
        var transfer = false;
        try
        {
            stream = Open(socket, out var peer);
            // The whole handshake within its timeout, as on the asynchronous path: closing the stream ends a blocking read.
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                handshake.CancelAfter(HandshakeTimeout);
                using var closeOnTimeout = handshake.Token.Register(static s => ((Stream)s!).Dispose(), stream);
                var token = WirePreamble.ReadHello(stream, out var wantsTransfer);
                if ((Refusal(token, peer) ?? TransferRefusal(wantsTransfer)) is { } refusal)
                {
                    stream.Write(refusal);
                    stream.Dispose();
                    return;
                }
                // Counted from here: a failed write below ends it in the catch.
                transfer = wantsTransfer;
                stream.Write(WirePreamble.Accepted());
            }
            // A transfer connection is served on this thread once it gave back its handshake slot (below).
            if (!transfer)
            {
                // A client sends its first call as soon as it is accepted: wait for it here (bounded, checked about once
                // a second), so the connection's first read finds it and need not wait asynchronously.
                using (var closeOnStop = _stopping.Token.Register(static s => ((Stream)s!).Dispose(), stream))
                {
                    var deadline = Environment.TickCount64 + (long)HandshakeTimeout.TotalMilliseconds;
                    SocketReadiness.Wait(socket, () => _stopping.IsCancellationRequested || Environment.TickCount64 > deadline);
                }
                connection = Connection(stream, socket, peer);
            }
        }
        catch (Exception)
        {
            // Whatever went wrong (a timeout, a bad hello, the server stopping, a refusal not delivered), it ends this
            // connection only: an exception escaping this thread would end the process.
            if (transfer)
            {
                TransferEnded();
            }
            stream?.Dispose();
            socket.Dispose();
            return;
        }
        finally
        {
            Interlocked.Decrement(ref _threadHandshakes);
        }
        if (connection is null)
        {
            ServeTransfer(stream);
            return;
        }
        _ = ServeAsync(connection);
    }
}
