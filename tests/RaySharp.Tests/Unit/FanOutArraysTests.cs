using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

public sealed class FanOutArraysTests
{
    private static readonly Address s_owner = new() { Endpoint = "owner:1", WorkerId = UniqueId.New().ToByteString() };

    [Fact]
    public void Equal_holds_in_a_row_share_one_array_and_other_holds_get_their_own()
    {
        var arrays = new FanOutArrays();
        var id = new ObjectId(UniqueId.New(), 1);
        var first = arrays.Holds([new ObjectHold(id, s_owner)]);
        Assert.Same(first, arrays.Holds([new ObjectHold(id, s_owner)]));

        var other = arrays.Holds([new ObjectHold(new ObjectId(UniqueId.New(), 1), s_owner)]);
        Assert.NotSame(first, other);
        // An equal owner that is another instance is not taken for the same: the array must keep what the task gave.
        var copy = arrays.Holds([new ObjectHold(id, new Address(s_owner))]);
        Assert.NotSame(first, copy);
        Assert.Equal(id, copy[0].Id);
        Assert.Empty(arrays.Holds([]));
    }
}
