using System.Buffers.Binary;
using System.Text;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// The payload of an <see cref="FrameType.Open"/> frame: the deadline (int64 Unix milliseconds UTC, 0 for
/// none) and the method's full name ("/package.Service/Method", UTF-8, at most <see cref="MaxMethodName"/> bytes).
/// </summary>
internal static class OpenFrame
{
    public const int MaxMethodName = 256;

    public static int SizeOf(string method) => 8 + Encoding.UTF8.GetByteCount(method);

    public static void Write(Span<byte> destination, DateTime? deadline, string method)
    {
        var ms = deadline is { } d && d != DateTime.MaxValue ? Math.Max(1, new DateTimeOffset(d.ToUniversalTime()).ToUnixTimeMilliseconds()) : 0;
        BinaryPrimitives.WriteInt64LittleEndian(destination, ms);
        Encoding.UTF8.GetBytes(method, destination[8..]);
    }

    public static (DateTime Deadline, string Method) Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 9 || payload.Length > 8 + MaxMethodName)
        {
            throw new WireProtocolException($"An open frame of {payload.Length} bytes (9 to {8 + MaxMethodName}).");
        }
        var ms = BinaryPrimitives.ReadInt64LittleEndian(payload);
        if (ms < 0 || ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new WireProtocolException($"An open frame with deadline {ms}.");
        }
        var deadline = ms == 0 ? DateTime.MaxValue : DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
        string method;
        try
        {
            method = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload[8..]);
        }
        catch (DecoderFallbackException)
        {
            throw new WireProtocolException("An open frame whose method name is not UTF-8.");
        }
        return (deadline, method);
    }
}
