using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RaySharp.Tests.Integration.Gcs;

/// <summary>
/// One Redis command over a fresh loopback connection, in plain RESP: the fixture's readiness probe and
/// the tests' view of the raw keys, independent of the client library under test.
/// </summary>
public static class RedisCommand
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Authenticates when a password is given, sends the command and returns the reply: a simple string
    /// or error as its line ("+PONG", "-NOAUTH ..."), an integer as ":N", a bulk string as its text (null when nil).
    /// </summary>
    public static string? Send(int port, string? password, params string[] command)
    {
        using var client = new TcpClient();
        client.ReceiveTimeout = client.SendTimeout = (int)s_timeout.TotalMilliseconds;
        client.Connect(IPAddress.Loopback, port);
        using var stream = client.GetStream();
        if (password is not null)
        {
            Write(stream, ["AUTH", password]);
            var auth = ReadReply(stream);
            if (auth != "+OK")
            {
                return auth;
            }
        }
        Write(stream, command);
        return ReadReply(stream);
    }

    private static void Write(Stream stream, string[] command)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string? ReadReply(Stream stream)
    {
        var line = ReadLine(stream);
        if (!line.StartsWith('$'))
        {
            return line;
        }
        var length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
        if (length < 0)
        {
            return null;
        }
        var data = new byte[length + 2];
        stream.ReadExactly(data);
        return Encoding.UTF8.GetString(data, 0, length);
    }

    private static string ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                throw new IOException("Redis closed the connection before it replied.");
            }
            if (b == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
            {
                return Encoding.UTF8.GetString([.. bytes[..^1]]);
            }
            bytes.Add((byte)b);
        }
    }
}
