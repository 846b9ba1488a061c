using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

/// <summary>
/// A call with thousands of ref arguments gathered into one array (Ray's <c>f.remote(*refs)</c>) and a call with
/// thousands of returns (<c>num_returns=n</c>), as in Ray's single-node scale tests.
/// </summary>
[Collection("Cluster")]
public class ManyRefsTests(ClusterFixture cluster)
{
    [Fact]
    public void A_task_takes_10000_refs_as_one_array_each_resolved_before_it_runs()
    {
        cluster.EnsureRunning();
        // Half put here, half results of tasks that are still running when the call is submitted.
        var refs = new ObjectRef<long>[10_000];
        for (var i = 0; i < refs.Length; i++)
        {
            refs[i] = i % 2 == 0 ? Ray.Put((long)i) : Ray.Task(static (int v, int ms) => (long)ManyRefFunctions.Slow(v, ms), i, i == 1 ? 1500 : 0).Remote();
        }
        var sum = Ray.Task(ManyRefFunctions.Sum, refs).Remote();
        Assert.Equal(10_000L * 9_999 / 2, Fetch.Value(sum, "the sum of 10,000 refs", TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Gathered_refs_keep_their_order_for_an_async_function_and_a_failed_one_fails_the_call()
    {
        cluster.EnsureRunning();
        var letters = "gathered".Select(c => Ray.Put(c.ToString())).ToArray();
        Assert.Equal("gathered", Fetch.Value(Ray.Task(ManyRefFunctions.JoinAsync, letters).Remote(), "the joined letters"));

        var withFailure = new[] { Ray.Put(1), Ray.Task(ManyRefFunctions.Fail, 7).Remote(), Ray.Put(3) };
        var call = Ray.Task(static (int[] xs) => xs.Sum(), withFailure).Remote();
        var error = Assert.ThrowsAny<RayTaskException>(() => Ray.Get(call, Fetch.DefaultTimeout));
        Assert.Contains("failed on purpose: 7", error.Message);
    }

    [Fact]
    public void Gathered_refs_are_checked_at_the_call_site()
    {
        cluster.EnsureRunning();
        Assert.Throws<ArgumentNullException>(() => Ray.Task(ManyRefFunctions.Sum, (ObjectRef<long>[])null!));
        Assert.Throws<ArgumentNullException>(() => Ray.Task(ManyRefFunctions.Sum, new ObjectRef<long>[] { Ray.Put(1L), null! }));
        // No refs: the function gets an empty array.
        Assert.Equal(0L, Fetch.Value(Ray.Task(ManyRefFunctions.Sum, Array.Empty<ObjectRef<long>>()).Remote(), "the sum of no refs"));
    }

    [Fact]
    public void A_task_with_3000_returns_gives_one_ref_per_element()
    {
        cluster.EnsureRunning();
        var refs = Ray.Task(ManyRefFunctions.Squares, 3000).RemoteSplit(3000);
        Assert.Equal(3000, refs.Length);
        Assert.Equal(2999L * 2999, Fetch.Value(refs[^1], "the last return"));
        var values = Fetch.Values(refs, "all 3,000 returns", TimeSpan.FromMinutes(2));
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => (long)i * i), values);
        // Each return is an object of its own: passing one on passes only that value.
        Assert.Equal(25L, Fetch.Value(Ray.Task(static (long x) => x, refs[5]).Remote(), "one return passed on"));
    }

    [Fact]
    public void Split_returns_may_be_one_and_may_be_stored_objects()
    {
        cluster.EnsureRunning();
        var one = Ray.Task(ManyRefFunctions.Squares, 1).RemoteSplit(1);
        Assert.Equal(0L, Fetch.Value(Assert.Single(one), "the one return"));

        // 3 elements of 2 MiB: each is stored in the object store as its own object.
        var blocks = Ray.Task(ManyRefFunctions.Blocks, 3, 2 << 20).RemoteSplit(3);
        for (var i = 0; i < 3; i++)
        {
            var block = Fetch.Value(blocks[i], $"block {i}");
            Assert.Equal(2 << 20, block.Length);
            Assert.All(block, b => Assert.Equal((byte)i, b));
        }
    }

    [Fact]
    public void A_wrong_count_of_returns_fails_every_ref_and_a_bad_count_is_refused_at_the_call()
    {
        cluster.EnsureRunning();
        var refs = Ray.Task(ManyRefFunctions.Squares, 4).RemoteSplit(5);
        foreach (var r in refs)
        {
            var error = Assert.ThrowsAny<RayTaskException>(() => Ray.Get(r, Fetch.DefaultTimeout));
            Assert.Contains("returned 4 values, but it was called with 5 returns", error.Message);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Ray.Task(ManyRefFunctions.Squares, 1).RemoteSplit(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ray.Task(ManyRefFunctions.Squares, 1).RemoteSplit(65_537));
    }
}
