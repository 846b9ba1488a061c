namespace RaySharp.Common.Transport.Framed;

/// <summary>The peer broke the wire protocol (bad preamble, frame or payload): its connection is closed.</summary>
internal sealed class WireProtocolException(string message) : IOException(message);
