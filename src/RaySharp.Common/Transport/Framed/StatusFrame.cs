using System.Buffers.Binary;
using System.Text;
using Grpc.Core;

namespace RaySharp.Common.Transport.Framed;

/// <summary>The payload of a <see cref="FrameType.Status"/> frame: the code (int32) and the detail (UTF-8, the rest).</summary>
internal static class StatusFrame
{
    /// <summary>Details longer than this are cut: a status is for people and logs, not for data.</summary>
    public const int MaxDetail = 64 * 1024;

    public static string Clip(string detail) => detail.Length <= MaxDetail / 4 ? detail : detail[..(MaxDetail / 4)];

    public static int SizeOf(Status status) => 4 + Encoding.UTF8.GetByteCount(Clip(status.Detail));

    public static void Write(Span<byte> destination, Status status)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, (int)status.StatusCode);
        Encoding.UTF8.GetBytes(Clip(status.Detail), destination[4..]);
    }

    public static Status Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4 || payload.Length > 4 + MaxDetail)
        {
            throw new WireProtocolException($"A status frame of {payload.Length} bytes (4 to {4 + MaxDetail}).");
        }
        var code = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (code is < 0 or > (int)StatusCode.Unauthenticated)
        {
            throw new WireProtocolException($"A status frame with code {code}.");
        }
        // Lenient decoding: a detail is only shown, so a bad byte becomes U+FFFD instead of breaking the call.
        return new Status((StatusCode)code, Encoding.UTF8.GetString(payload[4..]));
    }
}
