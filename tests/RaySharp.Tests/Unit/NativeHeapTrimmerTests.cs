using System.Globalization;
using System.Runtime.InteropServices;
using RaySharp.Common.Processes;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// Memory the C heap keeps after it was freed (holes between live blocks, which free() never returns)
/// goes back to the kernel when the GCS and raylet trim: the soak's creep in their private memory.
/// </summary>
public sealed class NativeHeapTrimmerTests
{
    private const int BlockBytes = 4000;
    private const int Blocks = 16_384;

    [Fact]
    public unsafe void Freed_memory_between_live_blocks_is_resident_until_a_trim_returns_it()
    {
        var kept = new List<nint>();
        // A thread of its own, so the blocks come from one arena that the test's other threads hardly use.
        var thread = new Thread(() =>
        {
            var all = new nint[Blocks];
            for (var i = 0; i < Blocks; i++)
            {
                var block = (byte*)NativeMemory.Alloc(BlockBytes);
                new Span<byte>(block, BlockBytes).Fill(1);
                all[i] = (nint)block;
            }
            // Keep every 64th block: the 63 between each pair are freed, but the live ones pin the heap's
            // top, so free() itself cannot give the pages back.
            for (var i = 0; i < Blocks; i++)
            {
                if (i % 64 == 63)
                {
                    kept.Add(all[i]);
                }
                else
                {
                    NativeMemory.Free((void*)all[i]);
                }
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "allocating did not finish");
        try
        {
            var before = ResidentKiBAround(kept);
            Assert.True(before >= 48 * 1024, $"only {before} KiB resident around the blocks before the trim");
            Assert.True(NativeHeapTrimmer.Trim(), "malloc_trim is not available");
            var after = ResidentKiBAround(kept);
            Assert.True(after < before / 2, $"the trim left {after} of {before} KiB resident");
        }
        finally
        {
            foreach (var block in kept)
            {
                NativeMemory.Free((void*)block);
            }
        }
    }

    // Rss of the mappings that hold the kept blocks, from /proc/self/smaps.
    private static long ResidentKiBAround(IReadOnlyCollection<nint> blocks)
    {
        var addresses = blocks.Select(b => (ulong)b).Order().ToArray();
        long total = 0;
        var counting = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end))
            {
                var first = Array.BinarySearch(addresses, start);
                first = first < 0 ? ~first : first;
                counting = first < addresses.Length && addresses[first] < end;
            }
            else if (counting && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line.AsSpan(4).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }
        return total;
    }
}
