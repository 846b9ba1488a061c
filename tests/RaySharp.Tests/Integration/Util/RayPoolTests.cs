using RaySharp.Util;

namespace RaySharp.Tests.Integration.Util;

/// <summary>Ray's test_multiprocessing.py cases for <see cref="RayPool"/>, on real actor processes.</summary>
[Collection("Cluster")]
public sealed class RayPoolTests(ClusterFixture cluster)
{
    [Fact]
    public void Map_equals_LINQ_Select_on_10000_items()
    {
        cluster.EnsureRunning();
        using var pool = new RayPool();
        var items = Enumerable.Range(0, 10_000).Select(i => (long)i).ToArray();

        Assert.Equal(ClusterFixture.Cpus, pool.Processes);
        Assert.Equal(items.Select(PoolFunctions.Square), pool.Map(PoolFunctions.Square, items));
        Assert.Equal(items.Select(PoolFunctions.Square), pool.Map(PoolFunctions.Square, items, chunkSize: 777));
        Assert.Equal(items.Select(x => x + 1), pool.Map(static x => x + 1, items, chunkSize: 10_000));
        Assert.Empty(pool.Map(PoolFunctions.Square, Array.Empty<long>()));
    }

    [Fact]
    public void Imap_keeps_order_and_ImapUnordered_returns_every_result_once()
    {
        cluster.EnsureRunning();
        using var pool = new RayPool(processes: 2);
        // A lazy sequence: Imap reads it as it sends chunks.
        var items = Enumerable.Range(0, 200).Select(i => (long)i);

        Assert.Equal(items.Select(PoolFunctions.Square), pool.Imap(PoolFunctions.Square, items));
        Assert.Equal(items.Select(PoolFunctions.Square), pool.Imap(PoolFunctions.Square, items, chunkSize: 7));
        Assert.Equal(items.Select(PoolFunctions.Square), pool.ImapUnordered(PoolFunctions.Square, items, chunkSize: 3).Order());
    }

    [Fact]
    public void StarMap_unpacks_each_tuple_into_the_arguments()
    {
        cluster.EnsureRunning();
        using var pool = new RayPool(processes: 2);
        var pairs = Enumerable.Range(0, 50).Select(i => (i, $"w{i % 3}")).ToArray();
        var triples = Enumerable.Range(0, 50).Select(i => (i, 2 * i, 3 * i)).ToArray();

        Assert.Equal(pairs.Select(p => PoolFunctions.Describe(p.Item1, p.Item2)), pool.StarMap<int, string, string>(PoolFunctions.Describe, pairs, chunkSize: 4));
        Assert.Equal(triples.Select(t => 6 * t.Item1), pool.StarMap<int, int, int, int>(PoolFunctions.Sum3, triples));
        // Tuples as results too.
        Assert.Equal(pairs.Select(p => (p.Item2, p.Item1)), pool.Map(static ((int, string) p) => (p.Item2, p.Item1), pairs));
    }

    [Fact]
    public void Apply_MapAsync_and_ApplyAsync_return_what_the_function_does()
    {
        cluster.EnsureRunning();
        using var pool = new RayPool(processes: 1);

        Assert.Equal(49L, pool.Apply(PoolFunctions.Square, 7L));
        Assert.Equal(64L, Eventually.Result(pool.ApplyAsync(PoolFunctions.Square, 8L), Fetch.DefaultTimeout, "ApplyAsync"));
        Assert.Equal([0L, 1, 4, 9], Eventually.Result(pool.MapAsync(PoolFunctions.Square, [0L, 1, 2, 3]), Fetch.DefaultTimeout, "MapAsync"));
    }

    [Fact]
    public void The_initializer_runs_in_every_actor_before_its_work()
    {
        cluster.EnsureRunning();
        using var pool = new RayPool(processes: 2, new RayPoolOptions { Initializer = PoolFunctions.Initialize });

        Assert.Equal(Enumerable.Range(1000, 20), pool.Map(PoolFunctions.AddOffset, Enumerable.Range(0, 20), chunkSize: 1));
    }

    [Fact]
    public void MaxTasksPerChild_replaces_an_actor_after_that_many_batches()
    {
        cluster.EnsureRunning();
        using var pool = new RayPool(processes: 1, new RayPoolOptions { MaxTasksPerChild = 1 });

        var pids = pool.Map(PoolFunctions.ProcessId, Enumerable.Range(0, 3), chunkSize: 1);

        Assert.Equal(3, pids.Distinct().Count());
    }

    [Fact]
    public void A_throwing_function_fails_the_map_with_its_exception()
    {
        cluster.EnsureRunning();
        using var pool = new RayPool(processes: 2);

        var error = Assert.Throws<RayTaskException>(() => pool.Map(PoolFunctions.FailOnFive, Enumerable.Range(0, 10), chunkSize: 2));
        Assert.Contains("five is refused", error.ToString());
        Assert.Throws<RayTaskException>(() => pool.Imap(PoolFunctions.FailOnFive, Enumerable.Range(0, 10)).ToList());
        // The pool goes on working.
        Assert.Equal([0, 1, 2], pool.Map(PoolFunctions.FailOnFive, [0, 1, 2]));
    }

    [Fact]
    public void A_closed_pool_takes_no_work_and_Join_waits_for_its_actors_to_end()
    {
        cluster.EnsureRunning();
        using var pool = new RayPool(processes: 1);
        Assert.Throws<InvalidOperationException>(() => pool.Join());
        var pending = pool.MapAsync(PoolFunctions.Square, [1L, 2, 3]);

        pool.Close();

        Assert.Throws<InvalidOperationException>(() => pool.Map(PoolFunctions.Square, [1L]));
        Assert.Throws<InvalidOperationException>(() => pool.Imap(PoolFunctions.Square, [1L]));
        Assert.True(pool.Join(Fetch.DefaultTimeout));
        // Work sent before Close was finished before the actor ended.
        Assert.Equal([1L, 4, 9], Eventually.Result(pending, Fetch.DefaultTimeout, "the map sent before Close"));
    }

    [Fact]
    public void Bad_input_is_refused_at_the_call()
    {
        cluster.EnsureRunning();
        Assert.Throws<ArgumentException>(() => new RayPool(processes: 0));
        Assert.Throws<ArgumentException>(() => new RayPool(processes: ClusterFixture.Cpus + 1));
        Assert.Throws<ArgumentException>(() => new RayPool(processes: 1, new RayPoolOptions { MaxTasksPerChild = 0 }));
        using var pool = new RayPool(processes: 1);
        var offset = 3;
        var error = Assert.Throws<ArgumentException>(() => pool.Map(x => x + offset, [1, 2]));
        Assert.Contains("offset", error.Message);
        Assert.Throws<ArgumentException>(() => pool.Map(PoolFunctions.Square, [1L], chunkSize: 0));
        Assert.Throws<ArgumentException>(() => pool.Imap(PoolFunctions.Square, [1L], chunkSize: 0));
    }
}
