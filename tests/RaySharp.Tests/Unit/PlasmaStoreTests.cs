using Microsoft.Extensions.Logging.Abstractions;
using RaySharp.Common.Ids;
using RaySharp.Common.Store;
using RaySharp.Protocol;
using RaySharp.Raylet.Store;
using RaySharp.Tests.Integration;

namespace RaySharp.Tests.UnitTests;

/// <summary>The store on a real mapped region in a temp directory: allocation, pins, spilling, restoring.</summary>
public sealed class PlasmaStoreTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("raysharp-plasma-");
    private readonly PlasmaStore _store;
    private readonly SharedMemoryRegion _region;
    private readonly UniqueId _owner = UniqueId.New();
    private readonly UniqueId _reader = UniqueId.New();

    public PlasmaStoreTests()
    {
        _region = SharedMemoryRegion.Create(_directory.FullName, 100 * MiB);
        _store = new PlasmaStore(_region, isFallback: true, Path.Combine(_directory.FullName, "spill"), TimeSpan.FromSeconds(1), NullLogger.Instance);
    }

    public void Dispose()
    {
        _store.Dispose();
        _directory.Delete(recursive: true);
    }

    private async Task<ObjectId> Put(long size, byte fill)
    {
        var id = new ObjectId(UniqueId.New(), 1);
        var (offset, exists) = await _store.CreateAsync(id, size, PayloadFormat.RawArray, _owner, CancellationToken.None);
        Assert.False(exists);
        Fill(_region, offset, size, fill);
        _store.Seal(id);
        return id;
    }

    private async Task<byte> Read(ObjectId id)
    {
        var location = await Get(id);
        Assert.True(location.Found);
        var value = At(_region, location.Offset + location.Size - 1);
        _store.Release([id], _reader);
        return value;
    }

    private Task<StoredObjectLocation> Get(ObjectId id) => _store.GetAsync(id, _reader, CancellationToken.None);

    private Task<(long Offset, bool AlreadyExists)> Create(long size) =>
        _store.CreateAsync(new ObjectId(UniqueId.New(), 1), size, PayloadFormat.RawArray, _owner, CancellationToken.None);

    private static unsafe void Fill(SharedMemoryRegion region, long offset, long size, byte value) => new Span<byte>(region.Base + offset, (int)size).Fill(value);

    private static unsafe byte At(SharedMemoryRegion region, long offset) => region.Base[offset];

    [Fact]
    public async Task The_region_file_is_unlinked_and_shared_through_proc()
    {
        Assert.Empty(_directory.GetFiles());
        Assert.StartsWith($"/proc/{Environment.ProcessId}/fd/", _store.RegionPath, StringComparison.Ordinal);
        using var other = SharedMemoryRegion.Open(_store.RegionPath, _store.Capacity);
        var id = await Put(MiB, 7);
        var location = await Get(id);
        Assert.Equal(7, At(other, location.Offset));
    }

    [Fact]
    public void A_store_larger_than_the_free_space_of_a_file_system_does_not_fit_there()
    {
        Assert.True(SharedMemoryRegion.HasRoom(_directory.FullName, MiB));
        Assert.False(SharedMemoryRegion.HasRoom(_directory.FullName, long.MaxValue / 2));
        Assert.False(SharedMemoryRegion.HasRoom("/no/such/directory/anywhere", MiB));
    }

    [Fact]
    public async Task Creating_an_existing_object_says_so_and_a_retry_writes_nothing()
    {
        var id = await Put(MiB, 1);
        var (_, exists) = await _store.CreateAsync(id, MiB, PayloadFormat.RawArray, _owner, CancellationToken.None);
        Assert.True(exists);
    }

    [Fact]
    public async Task Filling_past_80_percent_spills_and_reads_restore_the_bytes()
    {
        var ids = new List<ObjectId>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await Put(20 * MiB, (byte)(i + 1)));
        }
        Eventually.True(() => _store.GetStats().SpilledObjects >= 2, TimeSpan.FromSeconds(10), "objects to be spilled");
        Assert.True(_store.GetStats().Used <= 100 * MiB);
        for (var i = 0; i < ids.Count; i++)
        {
            Assert.Equal(i + 1, await Read(ids[i]));
        }
        var stats = _store.GetStats();
        Assert.True(stats.RestoredObjects >= 1);
        Assert.Empty(_directory.GetFiles("*", SearchOption.TopDirectoryOnly));
    }

    [Fact]
    public async Task Freed_objects_go_when_the_last_pin_does_and_their_spill_files_with_them()
    {
        var pinned = await Put(10 * MiB, 3);
        var location = await Get(pinned);
        _store.Free([pinned]);
        Assert.Equal(10 * MiB, _store.GetStats().Used);
        Assert.Equal(3, At(_region, location.Offset));
        _store.Release([pinned], _reader);
        Assert.Equal(0, _store.GetStats().Used);
        Assert.False((await Get(pinned)).Found);

        var spilled = new List<ObjectId>();
        for (var i = 0; i < 5; i++)
        {
            spilled.Add(await Put(20 * MiB, 1));
        }
        Eventually.True(() => _store.GetStats().SpilledObjects >= 1, TimeSpan.FromSeconds(10), "a spill");
        _store.Free(spilled);
        Assert.Equal(0, _store.GetStats().Used);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory.FullName, "spill")));
    }

    [Fact]
    public async Task When_everything_is_pinned_creating_fails_after_the_wait_with_the_usage()
    {
        var a = await Put(45 * MiB, 1);
        var b = await Put(45 * MiB, 2);
        await Get(a);
        await Get(b);
        var ex = await Assert.ThrowsAsync<ObjectStoreFullError>(() => Create(20 * MiB));
        Assert.Contains("2 pinned by readers", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectStoreFullError>(() => Create(101 * MiB));
        // A reader that goes away takes its pins with it: now there is room.
        _store.OnClientGone(_reader);
        await Put(20 * MiB, 3);
    }

    [Fact]
    public async Task A_create_that_waited_past_its_deadline_behind_another_spill_takes_the_room_that_spill_made()
    {
        // 80 MiB of 100: at the threshold, so no background spill starts; both pinned, so nothing can be spilled.
        var a = await Put(40 * MiB, 1);
        var b = await Put(40 * MiB, 2);
        await Get(a);
        await Get(b);
        // Holding the store's spill gate stands for a spill by someone else that outlasts the create's 1 s
        // deadline (the soak saw the background spill of 128 MiB take over 5 s on a busy disk).
        var gate = (SemaphoreSlim)typeof(PlasmaStore).GetField("_spillGate", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(_store)!;
        await gate.WaitAsync();
        var create = Create(30 * MiB);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(create.IsCompleted);
        // That spill made room before it let go of the gate.
        _store.Release([a], _reader);
        _store.Free([a]);
        gate.Release();
        var (_, exists) = await create.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(exists);
        Assert.Equal(70 * MiB, _store.GetStats().Used);
    }

    [Fact]
    public async Task An_object_whose_writer_dies_before_sealing_is_dropped_and_can_be_written_again()
    {
        var writer = UniqueId.New();
        var id = new ObjectId(UniqueId.New(), 1);
        await _store.CreateAsync(id, 10 * MiB, PayloadFormat.RawArray, _owner, CancellationToken.None, writer: writer);
        var reader = Get(id);
        Assert.False(reader.IsCompleted);   // waits for the seal
        _store.OnClientGone(writer);
        Assert.False((await reader).Found);
        Assert.Equal(0, _store.GetStats().Used);
        var (_, exists) = await _store.CreateAsync(id, 10 * MiB, PayloadFormat.RawArray, _owner, CancellationToken.None, writer: UniqueId.New());
        Assert.False(exists);
    }

    [Fact]
    public async Task An_object_freed_while_being_written_goes_when_it_is_sealed()
    {
        var id = new ObjectId(UniqueId.New(), 1);
        await _store.CreateAsync(id, 10 * MiB, PayloadFormat.RawArray, _owner, CancellationToken.None);
        _store.Free([id]);
        Assert.Equal(10 * MiB, _store.GetStats().Used);   // the writer still copies into the range
        _store.Seal(id);
        Assert.Equal(0, _store.GetStats().Used);
        _store.Abort(id);
    }

    [Fact]
    public async Task Objects_of_an_owner_that_died_are_freed()
    {
        await Put(10 * MiB, 1);
        await Put(10 * MiB, 2);
        _store.OnClientGone(_owner);
        Assert.Equal(0, _store.GetStats().Used);
        Assert.Empty(_store.GetStats().Objects);
    }
}
