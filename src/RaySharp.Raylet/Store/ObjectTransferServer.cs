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
    /// <summary>Serves reads until the peer closes the connection, stays idle too long, or breaks the protocol (throws).</summary>
    public static void Serve(Stream stream, ObjectManager objects, CancellationToken stopping)
    {
        // A paused or vanished reader must not hold this thread and the object's pin for good.
        stream.WriteTimeout = (int)RpcDeadlines.ChunkTimeout.TotalMilliseconds;
        while (!stopping.IsCancellationRequested)
        {
            stream.ReadTimeout = (int)WireTransferConnection.ServerIdleTimeout.TotalMilliseconds;
            if (ObjectTransferRequest.ReadFrom(stream) is not { } request)
            {
                return;
            }
            objects.ServeTransfer(request, stream, stopping);
        }
    }
}
