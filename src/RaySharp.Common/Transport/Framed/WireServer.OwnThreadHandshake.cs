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
    private bool HandshakesOnOwnThread(Socket socket) =>
        SocketReadiness.IsSupported && (socket.AddressFamily == AddressFamily.Unix || _security.Tls is null);

    private void ServeConnectionOnThread(Socket socket)
    {
        var peer = PeerOf(socket, _socketPath);
        var stream = new NetworkStream(socket, ownsSocket: true);
        // A server stopping mid-handshake closes the socket, which ends a blocking read at once.
        using var stopping = _stopping.Token.Register(static s => ((Stream)s!).Dispose(), stream);
        try
        {
            if (socket.AddressFamily != AddressFamily.Unix)
            {
                socket.NoDelay = true;
            }
            socket.ReceiveTimeout = socket.SendTimeout = (int)HandshakeTimeout.TotalMilliseconds;
            var token = WirePreamble.ReadHello(stream);
            if (Refusal(token, peer) is { } refusal)
            {
                stream.Write(refusal);
                stream.Dispose();
                return;
            }
            stream.Write(WirePreamble.Accepted());
            socket.ReceiveTimeout = socket.SendTimeout = 0;
            // A client sends its first call as soon as it is accepted: wait for it here (bounded, checked about once
            // a second), so the connection's first read finds it and need not wait asynchronously.
            var deadline = Environment.TickCount64 + (long)HandshakeTimeout.TotalMilliseconds;
            SocketReadiness.Wait(socket, () => _stopping.IsCancellationRequested || Environment.TickCount64 > deadline);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            stream.Dispose();
            return;
        }
        _ = ServeAsync(new WireServerConnection(stream, socket, peer, _methods));
    }
}
