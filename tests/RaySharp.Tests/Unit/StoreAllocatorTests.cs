using RaySharp.Raylet.Store;

namespace RaySharp.Tests.UnitTests;

public sealed class StoreAllocatorTests
{
    [Fact]
    public void Allocations_are_aligned_first_fit_and_reuse_the_lowest_freed_range()
    {
        var allocator = new StoreAllocator(1 << 20);
        var a = allocator.Allocate(100);
        var b = allocator.Allocate(1000);
        var c = allocator.Allocate(64);
        Assert.Equal(0, a);
        Assert.Equal(128, b);
        Assert.Equal(128 + 1024, c);
        Assert.All(new[] { a, b, c }, o => Assert.Equal(0, o % StoreAllocator.Alignment));
        allocator.Free(b, 1000);
        Assert.Equal(128, allocator.Allocate(500));
        Assert.Equal(128 + 512, allocator.Allocate(512));
    }

    [Fact]
    public void Freed_neighbours_merge_so_a_large_range_fits_again()
    {
        var allocator = new StoreAllocator(4096);
        var offsets = Enumerable.Range(0, 4).Select(_ => allocator.Allocate(1024)).ToList();
        Assert.Equal(-1, allocator.Allocate(1));
        allocator.Free(offsets[1], 1024);
        allocator.Free(offsets[3], 1024);
        allocator.Free(offsets[2], 1024);
        Assert.Equal(3072, allocator.LargestFree);
        Assert.Equal(1024, allocator.Allocate(3072));
        Assert.Equal(4096, allocator.Allocated);
        Assert.Throws<InvalidOperationException>(() =>
        {
            allocator.Free(offsets[0], 1024);
            allocator.Free(offsets[0], 1024);
        });
    }
}
