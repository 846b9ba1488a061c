using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class TaskTests(ClusterFixture cluster)
{
    [Fact]
    public void Hello_world()
    {
        cluster.EnsureRunning();
        Assert.Equal("Hello world !", Fetch.Value(Ray.Task(BasicFunctions.Hello).Remote(), "Hello()"));
    }

    [Fact]
    public void Arguments_as_values()
    {
        cluster.EnsureRunning();
        Assert.Equal(5, Fetch.Value(Ray.Task(BasicFunctions.Add, 2, 3).Remote(), "Add(2, 3)"));
        Assert.Equal("a|1|2.5", Fetch.Value(Ray.Task(BasicFunctions.Describe, "a", 1, 2.5).Remote(), "Describe"));
        Assert.Equal(21L, Fetch.Value(Ray.Task(BasicFunctions.SumSix, 1, 2L, (short)3, (byte)4, 5, 6).Remote(), "SumSix"));
        var birthday = Fetch.Value(Ray.Task(BasicFunctions.Birthday, new Person("Ada", 36, ["math"])).Remote(), "Birthday");
        Assert.Equal(37, birthday.Age);
        Assert.Equal(["math", "older"], birthday.Tags);
        Assert.Equal(3, Fetch.Value(Ray.Task(BasicFunctions.CountEntries, new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }).Remote(), "CountEntries"));
    }

    [Fact]
    public void Arguments_as_refs()
    {
        cluster.EnsureRunning();
        var a = Ray.Put(20);
        var b = Ray.Task(BasicFunctions.Square, 3).Remote();
        Assert.Equal(29, Fetch.Value(Ray.Task(BasicFunctions.Add, a, b).Remote(), "Add(put, task)"));
    }

    [Fact]
    public void Arguments_as_a_mix_of_values_and_refs()
    {
        cluster.EnsureRunning();
        var s = Ray.Put("s");
        var d = Ray.Task(static (int x) => x / 2.0, 5).Remote();
        Assert.Equal("s|7|2.5", Fetch.Value(Ray.Task(BasicFunctions.Describe, s, 7, d).Remote(), "Describe(ref, value, ref)"));
        Assert.Equal("v|8|2.5", Fetch.Value(Ray.Task(BasicFunctions.Describe, "v", Ray.Put(8), d).Remote(), "Describe(value, ref, ref)"));
        var c = Ray.Put((short)3);
        var e = Ray.Task(BasicFunctions.Identity, 5).Remote();
        Assert.Equal(21L, Fetch.Value(Ray.Task(BasicFunctions.SumSix, 1, Ray.Put(2L), c, (byte)4, e, 6).Remote(), "SumSix(mixed)"));
    }

    [Fact]
    public void Task_graph_C_runs_after_A_and_B()
    {
        cluster.EnsureRunning();
        var a = Ray.Task(BasicFunctions.SleepThenReturn, 1, 300).Remote();
        var b = Ray.Task(BasicFunctions.SleepThenReturn, 2, 300).Remote();
        var c = Ray.Task(BasicFunctions.Add, a, b).Remote();
        var d = Ray.Task(BasicFunctions.Add, c, c).Remote();
        Assert.Equal(6, Fetch.Value(d, "D = C + C where C = A + B"));
    }

    [Fact]
    public void A_large_argument_value_reaches_the_task()
    {
        cluster.EnsureRunning();
        var values = BasicFunctions.MakeArray(200_000);
        Assert.Equal(values.Sum(), Fetch.Value(Ray.Task(BasicFunctions.Sum, values).Remote(), "Sum(1.6 MB array)"));
    }

    [Fact]
    public void Void_Task_and_ValueTask_functions_give_unit()
    {
        cluster.EnsureRunning();
        Assert.Equal(Unit.Value, Fetch.Value(Ray.Task(BasicFunctions.DoNothing, 1).Remote(), "DoNothing"));
        Assert.Equal(Unit.Value, Fetch.Value(Ray.Task(BasicFunctions.DoNothingAsync).Remote(), "DoNothingAsync"));
        Assert.Equal(Unit.Value, Fetch.Value(Ray.Task(BasicFunctions.DoNothingValueTaskAsync).Remote(), "DoNothingValueTaskAsync"));
    }

    [Fact]
    public void Async_functions_resolve_to_their_value()
    {
        cluster.EnsureRunning();
        ObjectRef<int> tenTimes = Ray.Task(BasicFunctions.TimesTenAsync, 4).Remote();
        ObjectRef<string> shout = Ray.Task(BasicFunctions.ShoutAsync, "hey").Remote();
        Assert.Equal(40, Fetch.Value(tenTimes, "TimesTenAsync"));
        Assert.Equal("HEY", Fetch.Value(shout, "ShoutAsync"));
    }

    [Fact]
    public void Lambdas_and_local_functions_run_remotely()
    {
        cluster.EnsureRunning();
        Assert.Equal(10, Fetch.Value(Ray.Task(static (int x) => x * 2, 5).Remote(), "a static lambda"));
        Assert.Equal("ab", Fetch.Value(Ray.Task(Concat, "a", "b").Remote(), "a static local function"));

        static string Concat(string x, string y) => x + y;
    }

    [Fact]
    public void Tuple_result_without_split_is_one_value()
    {
        cluster.EnsureRunning();
        Assert.Equal((3, "#3"), Fetch.Value(Ray.Task(BasicFunctions.Pair, 3).Remote(), "Pair(3)"));
    }

    [Fact]
    public void RemoteSplit_gives_each_element_its_own_ref()
    {
        cluster.EnsureRunning();
        var (number, text) = Ray.Task(BasicFunctions.Pair, 9).RemoteSplit();
        Assert.Equal("#9", Fetch.Value(text, "Pair's second element"));
        Assert.Equal(9, Fetch.Value(number, "Pair's first element"));
        // Each element is usable on its own as an argument.
        Assert.Equal(81, Fetch.Value(Ray.Task(BasicFunctions.Square, number).Remote(), "Square(Pair.Item1)"));

        var (one, two, three) = Ray.Task(BasicFunctions.Triple).RemoteSplit();
        Assert.Equal([1, 2, 3], Fetch.Values([one, two, three], "Triple's elements"));

        var (i, s, d, b) = Ray.Task(BasicFunctions.Quad).RemoteSplit();
        Assert.Equal((4, "four", 4.5, true), (Fetch.Value(i, "Quad.1"), Fetch.Value(s, "Quad.2"), Fetch.Value(d, "Quad.3"), Fetch.Value(b, "Quad.4")));
        Assert.NotEqual(i.ObjectId, s.ObjectId);
    }

    [Fact]
    public void Many_tasks_finish()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 1000).Select(i => Ray.Task(BasicFunctions.Square, i).Remote()).ToList();
        Assert.Equal(Enumerable.Range(0, 1000).Sum(i => i * i), Fetch.Values(refs, "1000 squares").Sum());
    }

    [Fact]
    public void A_synchronous_caller_and_bursts_in_turn_get_every_result_and_the_leases_go_back_when_they_stop()
    {
        // A task submitted to an idle leased worker with nothing queued is written by the caller's thread, while the
        // lease's loop sleeps; bursts queue behind it and go through the loop. In turn, they must lose nothing, and the
        // lease kept alive for the synchronous caller must still go back to the raylet once the caller stops.
        cluster.EnsureRunning();
        ClusterFixture.WaitUntilIdle();
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(round * 100 + i, Fetch.Value(Ray.Task(BasicFunctions.Add, round * 100, i).Remote(), "a synchronous task"));
            }
            var burst = Enumerable.Range(0, 30).Select(i => Ray.Task(BasicFunctions.Square, round + i).Remote()).ToList();
            Assert.Equal(Enumerable.Range(0, 30).Select(i => (round + i) * (round + i)), Fetch.Values(burst, "a burst of 30 squares"));
        }
        Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("CPU") == ClusterFixture.Cpus, TimeSpan.FromSeconds(30),
            "every lease to go back to the raylet once the caller stopped submitting");
    }

    [Fact]
    public void Remote_returns_at_once()
    {
        cluster.EnsureRunning();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 1, 5_000).Remote();
        // What the runtime controls: Remote() returned before the task could finish.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"Remote() took {clock.Elapsed.TotalMilliseconds} ms");
        Assert.Empty(Ray.Wait([slow], timeout: TimeSpan.Zero).Ready);
        Assert.Equal(1, Fetch.Value(slow, "the 5 s task"));
    }
}
