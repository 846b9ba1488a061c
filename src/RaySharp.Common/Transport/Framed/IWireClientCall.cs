using Grpc.Core;

namespace RaySharp.Common.Transport.Framed;

/// <summary>What a client connection tells one of its calls.</summary>
internal interface IWireClientCall
{
    /// <summary>A frame the server sent on this call (Message, Headers or Status).</summary>
    void OnFrame(FrameType type, byte[] payload);

    /// <summary>The connection is gone: the call ends with <paramref name="status"/>.</summary>
    void OnConnectionLost(Status status);
}
