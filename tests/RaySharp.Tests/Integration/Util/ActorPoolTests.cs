using RaySharp.Util;

namespace RaySharp.Tests.Integration.Util;

/// <summary>Ray's test_actor_pool.py cases for <see cref="ActorPool{A}"/>, on real actors.</summary>
[Collection("Cluster")]
public sealed class ActorPoolTests(ClusterFixture cluster)
{
    private static ActorHandle<PoolWorker>[] Workers(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => Ray.Actor(() => new PoolWorker()).Remote())];

    private static void Kill(IEnumerable<ActorHandle<PoolWorker>> actors)
    {
        foreach (var actor in actors)
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void Map_returns_results_in_the_order_of_the_values_even_when_they_finish_in_reverse()
    {
        cluster.EnsureRunning();
        var actors = Workers(2);
        try
        {
            var pool = new ActorPool<PoolWorker>(actors);
            // Value v sleeps (8 - v) * 40 ms: later values finish first on their actor's turn.
            var values = Enumerable.Range(0, 8).ToArray();
            var results = pool.Map((a, v) => a.Task((w, x, ms) => w.DoubleAfter(x, ms), v, (8 - v) * 40).Remote(), values).ToArray();

            Assert.Equal(values.Select(v => 2 * v), results);
            Assert.False(pool.HasNext);
        }
        finally
        {
            Kill(actors);
        }
    }

    [Fact]
    public void MapUnordered_returns_every_result_once()
    {
        cluster.EnsureRunning();
        var actors = Workers(2);
        try
        {
            var pool = new ActorPool<PoolWorker>(actors);
            var values = Enumerable.Range(0, 20).ToArray();
            var results = pool.MapUnordered((a, v) => a.Task((w, x, ms) => w.DoubleAfter(x, ms), v, (20 - v) * 10).Remote(), values).ToList();

            Assert.Equal(values.Select(v => 2 * v), results.Order());
        }
        finally
        {
            Kill(actors);
        }
    }

    [Fact]
    public void Submit_queues_values_while_every_actor_is_busy_and_GetNext_returns_them_in_order()
    {
        cluster.EnsureRunning();
        var actors = Workers(1);
        try
        {
            var pool = new ActorPool<PoolWorker>(actors);
            Assert.True(pool.HasFree);
            for (var v = 1; v <= 3; v++)
            {
                pool.Submit((a, x) => a.Task((w, y) => w.Double(y), x).Remote(), v);
            }

            Assert.False(pool.HasFree);
            Assert.Null(pool.PopIdle());
            Assert.True(pool.HasNext);
            Assert.Equal([2, 4, 6], new[] { pool.GetNext<int>(), pool.GetNext<int>(), pool.GetNext<int>() });
            Assert.False(pool.HasNext);
            Assert.Throws<InvalidOperationException>(() => pool.GetNext<int>());
            Assert.Same(actors[0], pool.PopIdle());
            Assert.Null(pool.PopIdle());
        }
        finally
        {
            Kill(actors);
        }
    }

    [Fact]
    public void GetNext_with_a_timeout_throws_and_keeps_the_result_unless_told_to_ignore_it()
    {
        cluster.EnsureRunning();
        var actors = Workers(1);
        var gate = new RayQueue<int>();
        try
        {
            var pool = new ActorPool<PoolWorker>(actors);
            pool.Submit((a, q) => a.Task((w, g) => w.WaitFor(g), q).Remote(), gate);

            Assert.Throws<GetTimeoutException>(() => pool.GetNext<int>(TimeSpan.FromMilliseconds(200)));
            Assert.True(pool.HasNext);

            gate.Put(7);
            Assert.Equal(7, pool.GetNext<int>(TimeSpan.FromSeconds(60)));
            Assert.False(pool.HasNext);

            // Ignored: the result is dropped and the actor counts as free again (its call still runs, as in Ray).
            pool.Submit((a, q) => a.Task((w, g) => w.WaitFor(g), q).Remote(), gate);
            Assert.Throws<GetTimeoutException>(() => pool.GetNext<int>(TimeSpan.FromMilliseconds(200), ignoreIfTimedOut: true));
            Assert.False(pool.HasNext);
            Assert.True(pool.HasFree);
            gate.Put(8);
        }
        finally
        {
            Kill(actors);
            gate.Shutdown(force: true);
        }
    }

    [Fact]
    public void GetNextUnordered_takes_whichever_is_ready_and_GetNext_is_refused_afterwards()
    {
        cluster.EnsureRunning();
        var actors = Workers(2);
        var gate = new RayQueue<int>();
        try
        {
            var pool = new ActorPool<PoolWorker>(actors);
            pool.Submit((a, q) => a.Task((w, g) => w.WaitFor(g), q).Remote(), gate);
            pool.Submit((a, x) => a.Task((w, y) => w.Double(y), x).Remote(), 21);

            // The first value's call is blocked: only the second can come back.
            Assert.Equal(42, pool.GetNextUnordered<int>(TimeSpan.FromSeconds(60)));
            Assert.Throws<InvalidOperationException>(() => pool.GetNext<int>());
            Assert.Throws<GetTimeoutException>(() => pool.GetNextUnordered<int>(TimeSpan.FromMilliseconds(200)));
            gate.Put(5);
            Assert.Equal(5, pool.GetNextUnordered<int>(TimeSpan.FromSeconds(60)));
            Assert.False(pool.HasNext);
        }
        finally
        {
            Kill(actors);
            gate.Shutdown(force: true);
        }
    }

    [Fact]
    public void Push_adds_an_actor_that_takes_waiting_work_and_refuses_one_already_in_the_pool()
    {
        cluster.EnsureRunning();
        var actors = Workers(2);
        try
        {
            var pool = new ActorPool<PoolWorker>([actors[0]]);
            Assert.Throws<ArgumentException>(() => pool.Push(actors[0]));
            pool.Submit((a, x) => a.Task((w, y) => w.Double(y), x).Remote(), 1);
            pool.Submit((a, x) => a.Task((w, y) => w.Double(y), x).Remote(), 2);
            Assert.False(pool.HasFree);

            // The second value waited for an actor: the pushed one takes it at once.
            pool.Push(actors[1]);
            Assert.Throws<ArgumentException>(() => pool.Push(actors[1]));
            Assert.Equal([2, 4], pool.MapUnorderedResults());
        }
        finally
        {
            Kill(actors);
        }
    }

    [Fact]
    public void A_failed_call_throws_from_GetNext_and_the_pool_goes_on()
    {
        cluster.EnsureRunning();
        var actors = Workers(1);
        try
        {
            var pool = new ActorPool<PoolWorker>(actors);
            pool.Submit((a, x) => a.Task((w, y) => w.Fail(y), x).Remote(), 3);
            pool.Submit((a, x) => a.Task((w, y) => w.Double(y), x).Remote(), 4);

            var error = Assert.Throws<RayTaskException>(() => pool.GetNext<int>(TimeSpan.FromSeconds(60)));
            Assert.Contains("value 3 refused", error.ToString());
            Assert.Equal(8, pool.GetNext<int>(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            Kill(actors);
        }
    }

    [Fact]
    public void Bad_input_is_refused_at_the_call()
    {
        cluster.EnsureRunning();
        var actors = Workers(1);
        try
        {
            Assert.Throws<ArgumentException>(() => new ActorPool<PoolWorker>([actors[0], actors[0]]));
            var pool = new ActorPool<PoolWorker>(actors);
            pool.Submit((a, x) => a.Task((w, y) => w.Double(y), x).Remote(), 1);
            Assert.Throws<ArgumentException>(() => pool.GetNext<int>(TimeSpan.FromSeconds(-1)));
            Assert.Throws<InvalidCastException>(() => pool.GetNext<string>(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            Kill(actors);
        }
    }
}

internal static class ActorPoolTestExtensions
{
    /// <summary>Every pending result, sorted.</summary>
    public static int[] MapUnorderedResults(this ActorPool<PoolWorker> pool)
    {
        var results = new List<int>();
        while (pool.HasNext)
        {
            results.Add(pool.GetNextUnordered<int>(TimeSpan.FromSeconds(60)));
        }
        return [.. results.Order()];
    }
}
