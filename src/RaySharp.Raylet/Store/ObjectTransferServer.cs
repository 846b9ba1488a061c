using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Transport;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Raylet.Store;

/// <summary>
/// Serves a transfer connection of this raylet's wire server: other raylets' pulls read ranges of this node's objects
/// on it, one <see cref="ObjectTransferRequest"/> after another, each answered with an <see cref="ObjectTransferReply"/>
/// and the range's raw bytes straight from the store's memory (<see cref="ObjectManager.ServeTransfer"/>). The framed
/// <c>ReadObject</c> stream copied every chunk into a frame on this side and into a fresh array on the other; this is
/// the two copies a TCP stream makes (docs/benchmarks.md, Sitting 38).
/// </summary>
internal static class ObjectTransferServer
{
    /// <summary>
    /// Serves reads until the peer closes the connection, stays idle too long, goes away, or breaks the protocol (the
    /// connection ends). What is not the peer's doing (a fault of this node's) is logged before the connection ends.
    /// </summary>
    public static void Serve(Stream stream, ObjectManager objects, ILogger logger, CancellationToken stopping)
    {
        try
        {
            // A paused or vanished reader must not hold this thread and the object's pin for good.
            stream.WriteTimeout = (int)RpcDeadlines.ChunkTimeout.TotalMilliseconds;
            while (!stopping.IsCancellationRequested)
            {
                stream.ReadTimeout = (int)WireTransferPool.ServerIdleTimeout.TotalMilliseconds;
                if (ObjectTransferRequest.ReadFrom(stream) is not { } request)
                {
                    return;
                }
                objects.ServeTransfer(request, stream, stopping);
            }
        }
        catch (Exception ex) when (ex is not (IOException or SocketException or ObjectDisposedException or WireProtocolException or OperationCanceledException))
        {
            RayletLog.TransferFailed(logger, ex.GetType().Name, ex.Message);
            throw;
        }
    }
}
