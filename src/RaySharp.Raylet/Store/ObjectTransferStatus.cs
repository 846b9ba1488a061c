namespace RaySharp.Raylet.Store;

/// <summary>What a transfer connection's server answers a read.</summary>
internal enum ObjectTransferStatus : byte
{
    /// <summary>The header follows, then <see cref="ObjectTransferReply.Count"/> raw bytes of the object.</summary>
    Here = 0,

    /// <summary>This node does not have the object (nothing follows).</summary>
    Absent = 1,

    /// <summary>The read was refused (a reason follows: uint16 length, UTF-8).</summary>
    Refused = 2,
}
