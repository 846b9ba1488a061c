using Google.Protobuf;

namespace RaySharp.Tests.Integration.Security;

/// <summary>Hand-written protobuf bytes, for messages our generated types can no longer express (removed or unknown fields).</summary>
internal sealed class CodedBytes
{
    private readonly MemoryStream _bytes = new();

    public CodedBytes String(int field, string value) => Bytes(field, ByteString.CopyFromUtf8(value));

    public CodedBytes Message(int field, CodedBytes message) => Bytes(field, ByteString.CopyFrom(message.ToArray()));

    public CodedBytes Bytes(int field, ByteString value)
    {
        var output = new CodedOutputStream(_bytes, leaveOpen: true);
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(value);
        output.Flush();
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();
}
