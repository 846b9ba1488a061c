using RaySharp.Common.Ids;
using RaySharp.Raylet.Store;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// The holders a serving node names to a puller: never the puller itself, at most the number asked for, each once, and
/// spread over every holder across pulls (a wide broadcast must not send every puller to the same few).
/// </summary>
public sealed class CopyHoldersTests
{
    [Fact]
    public void Holders_leave_out_the_reader_and_are_at_most_the_number_asked_for()
    {
        var copies = new CopyHolders();
        var id = new ObjectId(UniqueId.New(), 1);
        var nodes = Enumerable.Range(0, 20).Select(_ => UniqueId.New()).ToList();
        nodes.ForEach(n => copies.Add(id, n));

        var named = copies.Holders(id, nodes[3], 8);
        Assert.Equal(8, named.Count);
        Assert.Equal(8, named.Distinct().Count());
        Assert.DoesNotContain(nodes[3], named);
        Assert.All(named, n => Assert.Contains(n, nodes));

        Assert.Empty(new CopyHolders().Holders(id, nodes[0], 8));
        var few = new CopyHolders();
        few.Add(id, nodes[0]);
        few.Add(id, nodes[1]);
        Assert.Equal([nodes[1]], few.Holders(id, nodes[0], 8));
    }

    [Fact]
    public void Across_many_pulls_every_holder_is_named()
    {
        var copies = new CopyHolders();
        var id = new ObjectId(UniqueId.New(), 1);
        var nodes = Enumerable.Range(0, 40).Select(_ => UniqueId.New()).ToList();
        nodes.ForEach(n => copies.Add(id, n));
        var seen = new HashSet<UniqueId>();
        // 8 of 40 per pull: after 200 pulls a holder never named is a (1 - 1/5)^200 chance, about 1e-19.
        for (var i = 0; i < 200; i++)
        {
            seen.UnionWith(copies.Holders(id, UniqueId.Nil, 8));
        }
        Assert.Equal(40, seen.Count);
    }
}
