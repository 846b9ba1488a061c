using System.Buffers.Binary;
using System.Text;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// What opens a RaySharp wire connection, before any frame: the client sends the magic "RSW1" and the
/// cluster token (uint16 length, ASCII; length 0 when authentication is off); the server answers one byte,
/// 0 for accepted, or 1 followed by a reason (uint16 length, UTF-8) and closes. The token is compared in
/// constant time, once per connection instead of once per call. A transfer connection (raw object bytes between
/// raylets, no frames: see <see cref="WireServer"/>) opens the same way with the magic "RST1".
/// </summary>
internal static class WirePreamble
{
    private static ReadOnlySpan<byte> Magic => "RSW1"u8;

    private static ReadOnlySpan<byte> TransferMagic => "RST1"u8;

    /// <summary>Tokens are short printable strings; a longer claim is a broken or hostile peer.</summary>
    public const int MaxToken = 1024;

    public const int MaxReason = 4096;

    /// <summary>A client's hello; <paramref name="transfer"/> opens a transfer connection instead of a framed one.</summary>
    public static byte[] ClientHello(string? token, bool transfer = false)
    {
        var bytes = token is null ? [] : Encoding.ASCII.GetBytes(token);
        var hello = new byte[6 + bytes.Length];
        (transfer ? TransferMagic : Magic).CopyTo(hello);
        BinaryPrimitives.WriteUInt16LittleEndian(hello.AsSpan(4), (ushort)bytes.Length);
        bytes.CopyTo(hello, 6);
        return hello;
    }

    /// <summary>Reads a client's hello; the token it carries (null for none), and whether it opens a transfer connection.</summary>
    public static async Task<(string? Token, bool Transfer)> ReadHelloAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[6];
        await stream.ReadExactlyAsync(head, cancellationToken).ConfigureAwait(false);
        var length = TokenLength(head, out var transfer);
        if (length == 0)
        {
            return (null, transfer);
        }
        var token = new byte[length];
        await stream.ReadExactlyAsync(token, cancellationToken).ConfigureAwait(false);
        return (Encoding.ASCII.GetString(token), transfer);
    }

    /// <summary>
    /// <see cref="ReadHelloAsync"/> with blocking reads, for a socket no asynchronous operation has touched (the caller
    /// bounds it by closing the stream when its handshake time is up).
    /// </summary>
    public static string? ReadHello(Stream stream, out bool transfer)
    {
        var head = new byte[6];
        stream.ReadExactly(head);
        var length = TokenLength(head, out transfer);
        if (length == 0)
        {
            return null;
        }
        var token = new byte[length];
        stream.ReadExactly(token);
        return Encoding.ASCII.GetString(token);
    }

    // The hello's first six bytes: the magic, then the token's length.
    private static int TokenLength(byte[] head, out bool transfer)
    {
        transfer = head.AsSpan(0, 4).SequenceEqual(TransferMagic);
        if (!transfer && !head.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw new WireProtocolException("Not a RaySharp wire connection (bad magic): this port speaks RaySharp's task protocol, not HTTP or gRPC.");
        }
        var length = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(4));
        if (length > MaxToken)
        {
            throw new WireProtocolException($"A token of {length} bytes (at most {MaxToken}).");
        }
        return length;
    }

    public static bool TokenMatches(string? given, string expected) => Security.AuthToken.Matches(given, expected);

    public static byte[] Accepted() => [0];

    public static byte[] Refused(string reason)
    {
        var bytes = Encoding.UTF8.GetBytes(reason.Length > MaxReason / 4 ? reason[..(MaxReason / 4)] : reason);
        var answer = new byte[3 + bytes.Length];
        answer[0] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(1), (ushort)bytes.Length);
        bytes.CopyTo(answer, 3);
        return answer;
    }

    /// <summary>Reads the server's answer: null when accepted, else its reason.</summary>
    public static async Task<string?> ReadAnswerAsync(Stream stream, CancellationToken cancellationToken)
    {
        var first = new byte[1];
        await stream.ReadExactlyAsync(first, cancellationToken).ConfigureAwait(false);
        if (IsAccepted(first[0]))
        {
            return null;
        }
        var len = new byte[2];
        await stream.ReadExactlyAsync(len, cancellationToken).ConfigureAwait(false);
        var reason = new byte[ReasonLength(len)];
        await stream.ReadExactlyAsync(reason, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(reason);
    }

    /// <summary>
    /// <see cref="ReadAnswerAsync"/> with blocking reads, for a socket no asynchronous operation has touched (the caller
    /// bounds it by closing the stream when its connect time is up).
    /// </summary>
    public static string? ReadAnswer(Stream stream)
    {
        var first = new byte[1];
        stream.ReadExactly(first);
        if (IsAccepted(first[0]))
        {
            return null;
        }
        var len = new byte[2];
        stream.ReadExactly(len);
        var reason = new byte[ReasonLength(len)];
        stream.ReadExactly(reason);
        return Encoding.UTF8.GetString(reason);
    }

    // The answer's first byte: 0 accepted, 1 refused (a reason follows), anything else not a RaySharp wire server.
    private static bool IsAccepted(byte first) => first switch
    {
        0 => true,
        1 => false,
        _ => throw new WireProtocolException($"Not a RaySharp wire server (answer byte {first})."),
    };

    private static int ReasonLength(byte[] len)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(len);
        if (length > MaxReason)
        {
            throw new WireProtocolException($"A refusal of {length} bytes.");
        }
        return length;
    }
}
