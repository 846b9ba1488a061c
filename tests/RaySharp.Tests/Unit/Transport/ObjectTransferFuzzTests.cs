using RaySharp.Common.Ids;
using RaySharp.Common.Transport.Framed;
using RaySharp.Protocol;
using RaySharp.Raylet.Store;
using Xunit;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// The transfer connection's decoders (a read request on the serving side, an answer's header on the pulling side) fed
/// random and mutated bytes: they may only reject with <see cref="WireProtocolException"/>, never throw anything else or
/// allocate for a length they have not checked; what they accept is within the protocol's bounds.
/// </summary>
public sealed class ObjectTransferFuzzTests
{
    private const int Inputs = 100_000;

    [Fact]
    public void Requests_and_answers_round_trip()
    {
        var request = new ObjectTransferRequest(new ObjectId(UniqueId.New(), 7), UniqueId.New(), 123, 456);
        var bytes = new MemoryStream();
        request.Write(bytes);
        Assert.Equal(ObjectTransferRequest.Size, bytes.Length);
        bytes.Position = 0;
        Assert.Equal(request, ObjectTransferRequest.ReadFrom(bytes));
        Assert.Null(ObjectTransferRequest.ReadFrom(bytes));

        var holders = new[] { UniqueId.New(), UniqueId.New() };
        var reply = new ObjectTransferReply(ObjectTransferStatus.Here, 1000, PayloadFormat.RawArray, 10, 990, UniqueId.New(), holders, null);
        var decoded = RoundTrip(reply);
        Assert.Equal((reply.Status, reply.Size, reply.Format, reply.Offset, reply.Count, reply.Owner), (decoded.Status, decoded.Size, decoded.Format, decoded.Offset, decoded.Count, decoded.Owner));
        Assert.Equal(holders, decoded.Holders);
        Assert.Equal(ObjectTransferStatus.Absent, RoundTrip(ObjectTransferReply.Absent).Status);
        Assert.Equal("no such range", RoundTrip(ObjectTransferReply.Refused("no such range")).Reason);
        // A reason too long for the protocol is cut, not sent whole.
        Assert.True(RoundTrip(ObjectTransferReply.Refused(new string('x', 100_000))).Reason!.Length <= WirePreamble.MaxReason);
    }

    [Fact]
    public void Random_and_mutated_bytes_are_rejected_cleanly()
    {
        var rng = new Random(20261205);
        var validRequest = new MemoryStream();
        new ObjectTransferRequest(new ObjectId(UniqueId.New(), 1), UniqueId.New(), 0, 8 << 20).Write(validRequest);
        var validReply = new MemoryStream();
        new ObjectTransferReply(ObjectTransferStatus.Here, 1 << 30, PayloadFormat.RawArray, 0, 8 << 20, UniqueId.New(), [UniqueId.New()], null).Write(validReply);
        var accepted = 0;
        for (var i = 0; i < Inputs; i++)
        {
            var (input, asRequest) = (i % 2 == 0 ? Mutate(rng, validRequest.ToArray()) : Mutate(rng, validReply.ToArray()), i % 4 < 2);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                if (asRequest)
                {
                    if (ObjectTransferRequest.ReadFrom(new MemoryStream(input, writable: false)) is { } request)
                    {
                        Assert.True(request.Offset >= 0 && request.Length >= 0, $"input {i}: accepted a negative range");
                        accepted++;
                    }
                }
                else
                {
                    var reply = ObjectTransferReply.ReadFrom(new MemoryStream(input, writable: false));
                    if (reply.Status == ObjectTransferStatus.Here)
                    {
                        Assert.True(reply.Size >= 0 && reply.Offset >= 0 && reply.Count >= 0 && reply.Offset + reply.Count <= reply.Size,
                            $"input {i}: accepted {reply.Count} bytes at {reply.Offset} of {reply.Size}");
                        Assert.True(reply.Holders.Count <= ObjectPull.MaxHolders);
                    }
                    accepted++;
                }
            }
            catch (WireProtocolException)
            {
                // A clean rejection.
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.True(allocated < 16 << 10, $"input {i}: {allocated} bytes allocated for {input.Length} bytes of input");
        }
        // The mutations keep some inputs valid: the decoders were exercised past their first check.
        Assert.InRange(accepted, 1, Inputs - 1);
    }

    private static ObjectTransferReply RoundTrip(ObjectTransferReply reply)
    {
        var bytes = new MemoryStream();
        reply.Write(bytes);
        bytes.Position = 0;
        return ObjectTransferReply.ReadFrom(bytes);
    }

    /// <summary>A valid message with a few bytes changed, cut short, or grown; or random bytes.</summary>
    private static byte[] Mutate(Random rng, byte[] valid)
    {
        if (rng.Next(5) == 0)
        {
            var random = new byte[rng.Next(0, 120)];
            rng.NextBytes(random);
            return random;
        }
        var bytes = valid.ToArray();
        for (var flips = rng.Next(0, 4); flips > 0; flips--)
        {
            bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
        }
        return rng.Next(4) switch
        {
            0 => bytes[..rng.Next(bytes.Length)],
            1 => [.. bytes, .. Enumerable.Range(0, rng.Next(1, 40)).Select(_ => (byte)rng.Next(256))],
            _ => bytes,
        };
    }
}
