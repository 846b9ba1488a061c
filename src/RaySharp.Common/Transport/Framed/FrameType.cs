namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// The kinds of frame on a RaySharp wire connection (see <see cref="FrameHeader"/> for the layout). A call
/// is opened by the client, carries messages both ways, and is ended by the server's status (or by the
/// client's cancel); the connection itself is kept alive with pings.
/// </summary>
internal enum FrameType : byte
{
    /// <summary>Client: starts call <c>id</c>; payload is the deadline and the method's full name (<see cref="OpenFrame"/>).</summary>
    Open = 1,

    /// <summary>Either side: one protobuf message of call <c>id</c>.</summary>
    Message = 2,

    /// <summary>Client: no more messages on call <c>id</c>.</summary>
    HalfClose = 3,

    /// <summary>Server: the call was accepted by a handler (gRPC's response headers; no metadata travels).</summary>
    Headers = 4,

    /// <summary>Server: the call ended; payload is the status code and its detail (<see cref="StatusFrame"/>).</summary>
    Status = 5,

    /// <summary>Client: the call is abandoned (cancelled, deadline passed, disposed).</summary>
    Cancel = 6,

    /// <summary>Either side, id 0: are you there? Answered with <see cref="Pong"/>.</summary>
    Ping = 7,

    /// <summary>Either side, id 0: the answer to a <see cref="Ping"/>.</summary>
    Pong = 8,
}
