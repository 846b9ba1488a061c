using System.Diagnostics;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class WaitTests(ClusterFixture cluster)
{
    [Fact]
    public void Wait_on_four_finished_tasks_returns_one_ready_and_three_not()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 4).Select(i => Ray.Task(BasicFunctions.Identity, i).Remote()).ToList();
        Assert.Equal([0, 1, 2, 3], Fetch.Values(refs, "4 quick tasks"));

        var (ready, notReady) = Ray.Wait(refs, timeout: Fetch.DefaultTimeout);

        Assert.Equal([refs[0]], ready);
        Assert.Equal([refs[1], refs[2], refs[3]], notReady);
    }

    [Fact]
    public void An_infinite_timeout_waits_for_the_refs_in_Wait_WaitAsync_and_Get()
    {
        cluster.EnsureRunning();
        foreach (var fetchLocal in new[] { true, false })
        {
            var slow = Ray.Task(BasicFunctions.SleepThenReturn, 3, 300).Remote();
            // Bounded by the test, not by the call: a wait that hung would fail here instead of stalling the suite.
            var blocking = Task.Run(() => Ray.Wait([slow], timeout: Timeout.InfiniteTimeSpan, fetchLocal: fetchLocal));
            Assert.Equal([slow], Eventually.Result(blocking, Fetch.DefaultTimeout, "Wait with an infinite timeout").Ready);
            var later = Ray.Task(BasicFunctions.SleepThenReturn, 4, 300).Remote();
            var waiting = Ray.WaitAsync([later], timeout: Timeout.InfiniteTimeSpan, fetchLocal: fetchLocal);
            Assert.Equal([later], Eventually.Result(waiting, Fetch.DefaultTimeout, "WaitAsync with an infinite timeout").Ready);
        }
        var many = Enumerable.Range(0, 3).Select(i => Ray.Task(BasicFunctions.SleepThenReturn, i, 300).Remote()).ToList();
        Assert.Equal([0, 1, 2], Eventually.Result(Task.Run(() => Ray.Get(many, Timeout.InfiniteTimeSpan)), Fetch.DefaultTimeout, "Get of a list with an infinite timeout"));
    }

    [Fact]
    public void Wait_for_four_of_four_returns_all_ready()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 4).Select(i => Ray.Task(BasicFunctions.Identity, i).Remote()).ToList();

        var result = Ray.Wait(refs, numReturns: 4, timeout: Fetch.DefaultTimeout);

        Assert.Equal(refs, result.Ready);
        Assert.Empty(result.NotReady);
    }

    [Fact]
    public void Wait_with_timeout_returns_the_fast_one_after_the_timeout()
    {
        cluster.EnsureRunning();
        ClusterFixture.WaitUntilIdle();
        var fast = Ray.Task(BasicFunctions.Identity, 1).Remote();
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 2, 5_000).Remote();
        // The fast task must have run before the clock starts, or a cold worker would eat the 0.5 s.
        Assert.Equal(1, Fetch.Value(fast, "the fast task"));

        var clock = Stopwatch.StartNew();
        var (ready, notReady) = Ray.Wait([fast, slow], numReturns: 2, timeout: TimeSpan.FromSeconds(0.5));
        clock.Stop();

        Assert.Equal([fast], ready);
        Assert.Equal([slow], notReady);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.5, 1.0);
    }

    [Fact]
    public void Wait_for_two_of_ten_puts_returns_the_first_two_in_input_order()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 10).Select(Ray.Put).ToList();

        var (ready, notReady) = Ray.Wait(refs, numReturns: 2, timeout: Fetch.DefaultTimeout);

        Assert.Equal(refs.Take(2), ready);
        Assert.Equal(refs.Skip(2), notReady);
    }

    [Fact]
    public void Wait_on_an_empty_list_returns_two_empty_lists()
    {
        cluster.EnsureRunning();
        var (ready, notReady) = Ray.Wait(new List<ObjectRef<int>>());
        Assert.Empty(ready);
        Assert.Empty(notReady);
    }

    [Fact]
    public void Wait_on_duplicate_refs_throws()
    {
        cluster.EnsureRunning();
        var r = Ray.Put(1);
        Assert.Throws<ArgumentException>(() => Ray.Wait([r, r]));
    }

    [Fact]
    public void Wait_for_more_than_given_throws()
    {
        cluster.EnsureRunning();
        var refs = new[] { Ray.Put(1), Ray.Put(2) };
        var ex = Assert.Throws<ArgumentException>(() => Ray.Wait(refs, numReturns: 3, timeout: Fetch.DefaultTimeout));
        Assert.Equal("numReturns", ex.ParamName);
    }

    [Fact]
    public void Wait_on_refs_of_different_types()
    {
        cluster.EnsureRunning();
        ObjectRef a = Ray.Put(1);
        ObjectRef b = Ray.Task(BasicFunctions.Hello).Remote();

        var (ready, notReady) = Ray.Wait([a, b], numReturns: 2, timeout: Fetch.DefaultTimeout);

        Assert.Equal([a, b], ready);
        Assert.Empty(notReady);
    }

    [Fact]
    public void Wait_counts_a_failed_task_as_ready()
    {
        cluster.EnsureRunning();
        var bad = Ray.Task(ErrorFunctions.Oops).Remote();

        var (ready, _) = Ray.Wait([bad], timeout: Fetch.DefaultTimeout);

        Assert.Equal([bad], ready);
        Assert.Throws<RayTaskException>(() => Ray.Get(bad));
    }

    [Fact]
    public void A_Wait_loop_over_its_own_not_ready_list_yields_every_ref_once_and_Get_reads_the_ready_lists()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 40).Select(i => Ray.Task(BasicFunctions.SleepThenReturn, i, i % 4 * 20).Remote()).ToList();
        var seen = new List<ObjectRef<int>>();
        IReadOnlyList<ObjectRef<int>> notReady = refs;
        while (notReady.Count > 0)
        {
            var before = notReady.Count;
            IReadOnlyList<ObjectRef<int>> ready;
            (ready, notReady) = Ray.Wait(notReady, numReturns: Math.Min(3, before), timeout: Fetch.DefaultTimeout);
            Assert.Equal(Math.Min(3, before), ready.Count);
            Assert.Equal(before - ready.Count, notReady.Count);
            // A list Wait returned goes into Get as into Wait: the values of exactly those refs.
            Assert.Equal(ready.Select(r => refs.IndexOf(r)), Ray.Get(ready, Fetch.DefaultTimeout));
            seen.AddRange(ready);
        }
        Assert.Equal(refs.OrderBy(r => r.Id.ToString()), seen.OrderBy(r => r.Id.ToString()));
    }

    [Fact]
    public void The_lists_Wait_returns_are_read_only_and_index_checked()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 3).Select(Ray.Put).ToList();
        var (ready, notReady) = Ray.Wait(refs, timeout: Fetch.DefaultTimeout);
        Assert.False(ready is ICollection<ObjectRef<int>>, "a caller could add a duplicate to a list Wait trusts to be distinct");
        Assert.False(notReady is ICollection<ObjectRef<int>>);
        Assert.Equal(refs.Skip(1), notReady.ToList());
        Assert.Throws<ArgumentOutOfRangeException>(() => notReady[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => notReady[-1]);
        // Mixed into a new list with one of its own refs again, it is checked as any list is.
        Assert.Throws<ArgumentException>(() => Ray.Wait(notReady.Append(notReady[0]).ToList()));
    }

    [Fact]
    public void A_kept_Wait_list_looks_up_again_an_object_whose_entry_was_replaced_as_a_lineage_re_run_does()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 3).Select(Ray.Put).ToList();
        var (first, kept) = Ray.Wait(refs, timeout: Fetch.DefaultTimeout);
        Assert.Equal([refs[0]], first);
        Assert.True(kept is ResolvedRefList<ObjectRef<int>>, "Wait should return lists that know their entries");
        var memory = CoreWorker.Require().Memory;
        Assert.True(memory.TryGet(kept[0].Id, out var old));
        var rerun = memory.Reset(kept[0].Id, "test");

        // The kept list's entry for kept[0] was ready; the store's entry now is not, and Wait must see the store's.
        var (ready, notReady) = Ray.Wait(kept, numReturns: 2, timeout: TimeSpan.FromMilliseconds(200));
        Assert.Equal([kept[1]], ready);
        Assert.Equal([kept[0]], notReady);

        rerun.Complete(old.Value);
        Assert.Equal([1, 2], Ray.Get(kept, Fetch.DefaultTimeout));
        Assert.Equal([kept[0]], Ray.Wait(notReady, timeout: Fetch.DefaultTimeout).Ready);
    }
}
