using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests;

public class GpuIdPoolTests
{
    private const long Whole = ResourceSet.UnitsPerWhole;

    [Fact]
    public void Two_whole_gpus_never_share_an_id()
    {
        var pool = new GpuIdPool(2);
        var first = pool.TryTake(Whole);
        var second = pool.TryTake(Whole);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal([(0, Whole)], first);
        Assert.Equal([(1, Whole)], second);
        Assert.Null(pool.TryTake(Whole));
    }

    [Fact]
    public void A_demand_of_two_takes_two_distinct_ids()
    {
        var pool = new GpuIdPool(2);
        Assert.Equal([(0, Whole), (1, Whole)], pool.TryTake(2 * Whole));
        Assert.Null(pool.TryTake(1));
    }

    [Fact]
    public void More_than_the_pool_holds_is_refused_without_taking_anything()
    {
        var pool = new GpuIdPool(2);
        Assert.Null(pool.TryTake(3 * Whole));
        Assert.Equal([(0, Whole), (1, Whole)], pool.TryTake(2 * Whole));
    }

    [Fact]
    public void Fractions_share_an_id_and_a_whole_gpu_skips_it()
    {
        var pool = new GpuIdPool(2);
        Assert.Equal([(0, Whole / 2)], pool.TryTake(Whole / 2));
        Assert.Equal([(0, Whole / 2)], pool.TryTake(Whole / 2));
        // GPU 0 is now full; the next fraction goes to GPU 1.
        Assert.Equal([(1, Whole / 4)], pool.TryTake(Whole / 4));
        // No GPU is wholly free any more.
        Assert.Null(pool.TryTake(Whole));
    }

    [Fact]
    public void A_whole_gpu_is_not_taken_from_a_partly_used_one()
    {
        var pool = new GpuIdPool(2);
        Assert.Equal([(0, 1L)], pool.TryTake(1));
        Assert.Equal([(1, Whole)], pool.TryTake(Whole));
        Assert.Null(pool.TryTake(Whole));
    }

    [Fact]
    public void Given_back_ids_can_be_taken_again()
    {
        var pool = new GpuIdPool(1);
        var taken = pool.TryTake(Whole)!;
        Assert.Null(pool.TryTake(Whole));
        pool.Give(taken);
        Assert.Equal([(0, Whole)], pool.TryTake(Whole));
    }

    [Fact]
    public void Zero_demand_takes_nothing_and_an_empty_pool_refuses()
    {
        Assert.Empty(new GpuIdPool(0).TryTake(0)!);
        Assert.Null(new GpuIdPool(0).TryTake(Whole));
        Assert.Null(new GpuIdPool(0).TryTake(1));
    }
}
