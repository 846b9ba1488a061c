using System.Diagnostics;
using RaySharp.Gcs.Storage;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Gcs;

/// <summary>
/// The GCS storage seam, both implementations, the Redis one against a real redis-server: round trips,
/// bytes kept exactly, the job counter, and for Redis what a restarted GCS relies on (data outliving the
/// storage object, namespaces, clear failures within seconds, a Redis restart survived).
/// </summary>
[Collection("Redis")]
public sealed class GcsStorageTests(RedisServerFixture redis)
{
    // "Within seconds": the connect is bounded at about 7 s; this leaves room for a loaded 2-core machine.
    private static readonly TimeSpan s_failFast = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Kinds => new() { "memory", "redis" };

    private static string NewNamespace() => "test-" + Guid.NewGuid().ToString("N")[..12];

    private Task<IGcsStorage> Open(string kind, string? clusterNamespace = null) =>
        kind == "memory"
            ? Task.FromResult<IGcsStorage>(new InMemoryGcsStorage())
            : GcsStorage.CreateAsync(redis.Address, redis.Password, clusterNamespace ?? NewNamespace());

    [Fact]
    public async Task While_Redis_is_paused_the_write_queue_keeps_one_write_per_record_and_the_last_state_of_each_lands()
    {
        const int Records = 10;
        const int Writes = 100_000;
        await using var storage = await Open("redis");
        var queue = new GcsWriteQueue(storage, Microsoft.Extensions.Logging.Abstractions.NullLogger<GcsWriteQueue>.Instance);
        await using (queue)
        {
            var writes = new List<Task>(Writes + 1);
            Assert.Equal(0, Signals.Send(redis.Pid, Signals.SigStop));
            try
            {
                // The first write is taken at once and hangs on the paused server; the rest wait their turn.
                writes.Add(queue.Put(GcsTableNames.Kv, "record-0", [0]));
                for (var i = 0; i < Writes; i++)
                {
                    writes.Add(i % 7 == 6
                        ? queue.Delete(GcsTableNames.Kv, $"record-{i % Records}")
                        : queue.Put(GcsTableNames.Kv, $"record-{i % Records}", BitConverter.GetBytes(i)));
                }
                Assert.InRange(queue.Waiting, 1, Records);
                Assert.True(queue.Superseded >= Writes - Records, $"only {queue.Superseded} writes were replaced");
                Assert.DoesNotContain(writes, w => w.IsCompleted);
            }
            finally
            {
                Assert.Equal(0, Signals.Send(redis.Pid, Signals.SigCont));
            }
            await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, queue.Waiting);
        }
        for (var r = 0; r < Records; r++)
        {
            var last = Enumerable.Range(0, Writes).Last(i => i % Records == r);
            var expected = last % 7 == 6 ? null : BitConverter.GetBytes(last);
            Assert.Equal(expected, await storage.GetAsync(GcsTableNames.Kv, $"record-{r}"));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Put_get_get_all_and_delete_round_trip(string kind)
    {
        await using var storage = await Open(kind);
        Assert.Null(await storage.GetAsync(GcsTableNames.Nodes, "a"));
        Assert.Empty(await storage.GetAllAsync(GcsTableNames.Nodes));

        await storage.PutAsync(GcsTableNames.Nodes, "a", [1, 2, 3]);
        await storage.PutAsync(GcsTableNames.Nodes, "b", [4]);
        await storage.PutAsync(GcsTableNames.Nodes, "a", [5, 6]);
        await storage.PutAsync(GcsTableNames.Jobs, "a", [7]);

        Assert.Equal([5, 6], await storage.GetAsync(GcsTableNames.Nodes, "a"));
        var nodes = await storage.GetAllAsync(GcsTableNames.Nodes);
        Assert.Equal(["a", "b"], nodes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([5, 6], nodes["a"]);
        Assert.Equal([4], nodes["b"]);

        Assert.True(await storage.DeleteAsync(GcsTableNames.Nodes, "a"));
        Assert.False(await storage.DeleteAsync(GcsTableNames.Nodes, "a"));
        Assert.False(await storage.DeleteAsync(GcsTableNames.Actors, "never-written"));
        Assert.Null(await storage.GetAsync(GcsTableNames.Nodes, "a"));
        Assert.Equal(["b"], (await storage.GetAllAsync(GcsTableNames.Nodes)).Keys);
        Assert.Equal([7], await storage.GetAsync(GcsTableNames.Jobs, "a"));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Binary_values_and_odd_keys_come_back_byte_for_byte(string kind)
    {
        await using var storage = await Open(kind);
        var everyByte = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Enumerable.Range(0, 256).Select(i => (byte)(255 - i))).ToArray();
        var large = new byte[3 << 20];
        new Random(42).NextBytes(large);
        var rows = new Dictionary<string, byte[]>
        {
            ["every-byte"] = everyByte,
            ["empty"] = [],
            ["zeros"] = new byte[100],
            ["large"] = large,
            ["key:with:colons and spaces"] = [1],
            ["ключ-ü-🔑"] = [2],
            [""] = [3],
        };
        foreach (var (key, value) in rows)
        {
            await storage.PutAsync(GcsTableNames.Kv, key, value);
        }

        foreach (var (key, value) in rows)
        {
            Assert.Equal(value, await storage.GetAsync(GcsTableNames.Kv, key));
        }
        var all = await storage.GetAllAsync(GcsTableNames.Kv);
        Assert.Equal(rows.Keys.Order(StringComparer.Ordinal), all.Keys.Order(StringComparer.Ordinal));
        Assert.All(rows, row => Assert.Equal(row.Value, all[row.Key]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Stored_values_are_copies_the_caller_cannot_change(string kind)
    {
        await using var storage = await Open(kind);
        byte[] value = [1, 2, 3];
        await storage.PutAsync(GcsTableNames.Actors, "x", value);
        value[0] = 99;
        var read = (await storage.GetAsync(GcsTableNames.Actors, "x"))!;
        read[1] = 99;
        (await storage.GetAllAsync(GcsTableNames.Actors))["x"][2] = 99;
        Assert.Equal([1, 2, 3], await storage.GetAsync(GcsTableNames.Actors, "x"));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_table_larger_than_one_scan_page_is_read_whole(string kind)
    {
        await using var storage = await Open(kind);
        const int Rows = 1_234;
        await Task.WhenAll(Enumerable.Range(0, Rows).Select(i => storage.PutAsync(GcsTableNames.ActorHandles, $"actor-{i}", BitConverter.GetBytes(i))));
        var all = await storage.GetAllAsync(GcsTableNames.ActorHandles);
        Assert.Equal(Rows, all.Count);
        Assert.All(Enumerable.Range(0, Rows), i => Assert.Equal(i, BitConverter.ToInt32(all[$"actor-{i}"])));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Next_job_id_counts_up_from_1_and_never_repeats(string kind)
    {
        await using var storage = await Open(kind);
        Assert.Equal(1, await storage.NextJobIdAsync());
        Assert.Equal(2, await storage.NextJobIdAsync());
        Assert.Equal(3, await storage.NextJobIdAsync());
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => storage.NextJobIdAsync()));
        Assert.Equal(Enumerable.Range(4, 50).Select(i => (long)i), concurrent.Order());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("job_counter")]
    public async Task A_table_name_that_would_break_the_key_layout_is_refused(string table)
    {
        await using var storage = await Open("redis");
        await Assert.ThrowsAnyAsync<ArgumentException>(() => storage.PutAsync(table, "k", [1]));
        await using var memory = await Open("memory");
        await Assert.ThrowsAnyAsync<ArgumentException>(() => memory.GetAsync(table, "k"));
    }

    [Fact]
    public async Task Redis_keeps_one_hash_per_table_and_the_job_counter_under_the_namespace()
    {
        var ns = NewNamespace();
        await using var storage = await Open("redis", ns);
        await storage.PutAsync(GcsTableNames.NamedActors, "ns/name", "actor-1"u8.ToArray());
        await storage.NextJobIdAsync();
        await storage.NextJobIdAsync();

        Assert.Equal("+hash", redis.Command("TYPE", $"raysharp:{ns}:named_actors"));
        Assert.Equal("actor-1", redis.Command("HGET", $"raysharp:{ns}:named_actors", "ns/name"));
        Assert.Equal("2", redis.Command("GET", $"raysharp:{ns}:job_counter"));
    }

    [Fact]
    public async Task Redis_data_outlives_the_storage_object_as_a_restarted_GCS_needs()
    {
        var ns = NewNamespace();
        await using (var before = await Open("redis", ns))
        {
            foreach (var table in GcsTableNames.All)
            {
                await before.PutAsync(table, "row", System.Text.Encoding.UTF8.GetBytes(table));
            }
            await before.DeleteAsync(GcsTableNames.Kv, "row");
            Assert.Equal(1, await before.NextJobIdAsync());
            Assert.Equal(2, await before.NextJobIdAsync());
        }

        await using var after = await Open("redis", ns);
        foreach (var table in GcsTableNames.All.Where(t => t != GcsTableNames.Kv))
        {
            var rows = await after.GetAllAsync(table);
            Assert.Equal(["row"], rows.Keys);
            Assert.Equal(table, System.Text.Encoding.UTF8.GetString(rows["row"]));
        }
        Assert.Empty(await after.GetAllAsync(GcsTableNames.Kv));
        Assert.Equal(3, await after.NextJobIdAsync());
    }

    [Fact]
    public async Task Two_clusters_sharing_one_Redis_do_not_see_each_other()
    {
        await using var first = await Open("redis", NewNamespace());
        await using var second = await Open("redis", NewNamespace());
        await first.PutAsync(GcsTableNames.Nodes, "same-key", [1]);
        await second.PutAsync(GcsTableNames.Nodes, "same-key", [2]);
        await second.PutAsync(GcsTableNames.Nodes, "only-second", [3]);

        Assert.Equal([1], await first.GetAsync(GcsTableNames.Nodes, "same-key"));
        Assert.Equal(["same-key"], (await first.GetAllAsync(GcsTableNames.Nodes)).Keys);
        Assert.True(await first.DeleteAsync(GcsTableNames.Nodes, "same-key"));
        Assert.Equal([2], await second.GetAsync(GcsTableNames.Nodes, "same-key"));
        Assert.Equal(1, await first.NextJobIdAsync());
        Assert.Equal(1, await second.NextJobIdAsync());
        Assert.Equal(2, await first.NextJobIdAsync());
    }

    [Theory]
    [InlineData("not-the-password-7e1f")]
    [InlineData(null)]
    public async Task A_wrong_or_missing_password_fails_within_seconds_naming_the_address(string? password)
    {
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<GcsStorageException>(() => GcsStorage.CreateAsync(redis.Address, password, NewNamespace()));
        Assert.True(clock.Elapsed < s_failFast, $"took {clock.Elapsed}");
        Assert.Contains(redis.Address, ex.Message, StringComparison.Ordinal);
        Assert.Contains(password is null ? "wants a password and none was given" : "the password is wrong", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(redis.Password, ex.ToString(), StringComparison.Ordinal);
        if (password is not null)
        {
            Assert.DoesNotContain(password, ex.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_unreachable_address_fails_within_seconds_naming_it()
    {
        var address = $"127.0.0.1:{MultiNodeCluster.FreePort()}";
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<GcsStorageException>(() => GcsStorage.CreateAsync(address, null, NewNamespace()));
        Assert.True(clock.Elapsed < s_failFast, $"took {clock.Elapsed}");
        Assert.Contains(address, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nohost", "default")]
    [InlineData("127.0.0.1:0", "default")]
    [InlineData("127.0.0.1:6379", "a:b")]
    [InlineData("127.0.0.1:6379", "")]
    public async Task A_malformed_address_or_namespace_is_refused_before_connecting(string address, string clusterNamespace) =>
        await Assert.ThrowsAnyAsync<ArgumentException>(() => GcsStorage.CreateAsync(address, null, clusterNamespace));

    [Fact]
    public async Task No_address_means_in_memory_and_a_password_without_an_address_is_an_error()
    {
        await using var storage = await GcsStorage.CreateAsync(null, null, GcsStorageOptions.DefaultClusterNamespace);
        Assert.IsType<InMemoryGcsStorage>(storage);
        await Assert.ThrowsAsync<ArgumentException>(() => GcsStorage.CreateAsync(null, "secret", GcsStorageOptions.DefaultClusterNamespace));
    }

    [Fact]
    public async Task The_storage_carries_on_after_Redis_restarts()
    {
        await using var storage = await Open("redis");
        await storage.PutAsync(GcsTableNames.Jobs, "before", [1]);
        Assert.Equal(1, await storage.NextJobIdAsync());

        redis.Restart(keepData: true);

        // The multiplexer reconnects by itself; until it has, commands may fail.
        var clock = Stopwatch.StartNew();
        byte[]? read;
        while (true)
        {
            try
            {
                read = await storage.GetAsync(GcsTableNames.Jobs, "before");
                break;
            }
            catch (GcsStorageException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal([1], read);
        await storage.PutAsync(GcsTableNames.Jobs, "after", [2]);
        Assert.Equal(2, await storage.NextJobIdAsync());
        Assert.Equal(["after", "before"], (await storage.GetAllAsync(GcsTableNames.Jobs)).Keys.Order(StringComparer.Ordinal));
    }
}
