using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's <c>get_if_exists=True</c> (test_actor_advanced's get_if_exists tests): SetGetIfExists on named actors.</summary>
[Collection("Cluster")]
public sealed class GetIfExistsTests(ClusterFixture cluster)
{
    private static string UniqueName() => "get-if-exists-" + Guid.NewGuid().ToString("N");

    [Fact]
    public void With_the_name_free_the_actor_is_created()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 7).SetName(UniqueName()).SetGetIfExists(true).Remote();
        try
        {
            Assert.Equal(7, Fetch.Value(counter.Task(c => c.GetValue()).Remote(), "GetValue of the created actor"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void With_a_live_actor_of_the_name_its_handle_is_returned_and_nothing_is_created()
    {
        cluster.EnsureRunning();
        var name = UniqueName();
        var original = Ray.Actor(Counter.Create, 1).SetName(name).Remote();
        try
        {
            Assert.Equal(2, Fetch.Value(original.Task((c, d) => c.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet on the original"));

            // Without SetGetIfExists the taken name is refused; with it, the same actor answers with the state it holds.
            Assert.Throws<ArgumentException>(() => Ray.Actor(Counter.Create, 100).SetName(name).Remote());
            using var again = Ray.Actor(Counter.Create, 100).SetName(name).SetGetIfExists(true).Remote();

            Assert.Equal(original.ActorId, again.ActorId);
            Assert.Equal(3, Fetch.Value(again.Task((c, d) => c.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet through the returned handle"));
            Assert.Single(Ray.ListActors(), a => a.Name == name);
        }
        finally
        {
            Ray.Kill(original);
        }
    }

    [Fact]
    public void Constructor_refs_not_ready_are_not_waited_for_when_the_actor_exists()
    {
        cluster.EnsureRunning();
        var name = UniqueName();
        var original = Ray.Actor(Counter.Create, 5).SetName(name).Remote();
        try
        {
            Fetch.Value(original.Task(c => c.GetValue()).Remote(), "the original to be up");
            var slow = Ray.Task(Functions.BasicFunctions.SleepThenReturn, 9, 30_000).Remote();

            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var again = Ray.Actor(Counter.Create, slow).SetName(name).SetGetIfExists(true).Remote();

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"Remote() took {clock.Elapsed.TotalSeconds:0.0} s: it waited for the unused argument");
            Assert.Equal(original.ActorId, again.ActorId);
            Assert.Equal(5, Fetch.Value(again.Task(c => c.GetValue()).Remote(), "GetValue through the returned handle"));
        }
        finally
        {
            Ray.Kill(original);
        }
    }

    [Fact]
    public void A_creation_with_a_ref_argument_waits_for_it_and_creates_the_actor()
    {
        cluster.EnsureRunning();
        var initial = Ray.Task(Functions.BasicFunctions.SleepThenReturn, 9, 500).Remote();
        var counter = Ray.Actor(Counter.Create, initial).SetName(UniqueName()).SetGetIfExists(true).Remote();
        try
        {
            Assert.Equal(9, Fetch.Value(counter.Task(c => c.GetValue()).Remote(), "GetValue of the actor made from the ref"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void Creators_racing_from_threads_and_another_process_get_one_actor()
    {
        cluster.EnsureRunning();
        for (var round = 0; round < 3; round++)
        {
            var name = UniqueName();
            var go = ActorTesting.TempPath("go");
            // One creator in a worker process (its own core worker), four on threads of this driver, all released at once.
            var remote = Ray.Task(NamedActorFunctions.GetOrCreateWhenGo, name, go, 1000).Remote();
            using var ready = new Barrier(5);
            var handles = new ActorHandle<Counter>?[4];
            var errors = new Exception?[4];
            var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
            {
                try
                {
                    ready.SignalAndWait(ActorTesting.Timeout);
                    handles[i] = Ray.Actor(Counter.Create, i).SetName(name).SetGetIfExists(true).Remote();
                }
                catch (Exception ex)
                {
                    // An exception on a thread of its own would end the test host: the test reports it instead.
                    errors[i] = ex;
                }
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }
            File.WriteAllText(go, "");
            ready.SignalAndWait(ActorTesting.Timeout);
            try
            {
                Assert.All(threads, t => Assert.True(t.Join(ActorTesting.Timeout), "a thread's Remote() did not return"));
                Assert.All(errors, Assert.Null);
                var pids = handles.Select(h => Fetch.Value(h!.Task(c => c.Pid()).Remote(), "Pid through a racing creator's handle")).ToArray();
                var fromTask = Fetch.Value(remote, "the creator in a worker process").Split(':');

                Assert.Single(handles.Select(h => h!.ActorId).Append(fromTask[0]).Distinct());
                Assert.Single(pids.Append(int.Parse(fromTask[1], System.Globalization.CultureInfo.InvariantCulture)).Distinct());
                Assert.Single(Ray.ListActors(), a => a.Name == name);
            }
            finally
            {
                // Every handle names the one actor (asserted above); killing it through one ends it.
                if (handles.FirstOrDefault(h => h is not null) is { } first)
                {
                    Ray.Kill(first);
                }
                File.Delete(go);
            }
        }
    }
}
