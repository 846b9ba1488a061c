using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.PlacementGroups;

/// <summary>
/// Placement groups on the shared one-node cluster (2 CPUs, 2 GPUs, Custom: 1), after Ray's
/// test_placement_group.py: reservation, placement of tasks and actors in bundles, checks at the call,
/// pending groups, removal. Every test removes its groups, so the cluster's CPUs come back for the others.
/// </summary>
[Collection("Cluster")]
public sealed class PlacementGroupTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, double> s_oneCpu = new() { ["CPU"] = 1 };

    private static void WithGroup(IReadOnlyList<IReadOnlyDictionary<string, double>> bundles, PlacementStrategy strategy, Action<PlacementGroup> test, string? name = null)
    {
        var group = Ray.PlacementGroup(bundles, strategy, name);
        try
        {
            test(group);
        }
        finally
        {
            Ray.RemovePlacementGroup(group);
        }
    }

    private static void CpusBackTo(double cpus) =>
        Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("CPU") == cpus, s_timeout, $"{cpus} CPUs to be available");

    [Fact]
    public void A_group_reserves_its_bundles_and_gives_them_back_when_removed()
    {
        cluster.EnsureRunning();
        CpusBackTo(ClusterFixture.Cpus);
        var group = Ray.PlacementGroup([s_oneCpu, new Dictionary<string, double> { ["Custom"] = 1 }], PlacementStrategy.Pack);
        try
        {
            Assert.True(group.Wait(s_timeout), "the group should be placed on the node that has room");
            Assert.True(Fetch.Value(group.Ready(), "Ready() of a created group"));
            var info = Ray.PlacementGroupTable(group);
            Assert.Equal(PlacementGroupState.Created, info.State);
            Assert.All(info.BundleNodeIds, node => Assert.Equal(Ray.GetRuntimeContext().NodeId, node));
            // The bundle's CPU is taken from the node's free CPUs and shows up as the group's own resources.
            CpusBackTo(ClusterFixture.Cpus - 1);
            Assert.Equal(0, Ray.AvailableResources().GetValueOrDefault("Custom"));
            // Totals come with the node's next report to the GCS (every 250 ms).
            Eventually.True(() => Ray.ClusterResources().GetValueOrDefault($"CPU_group_0_{group.Id}") == 1, s_timeout, "bundle 0's CPU among the cluster's resources");
            Assert.Equal(1, Ray.ClusterResources()[$"CPU_group_{group.Id}"]);
        }
        finally
        {
            Ray.RemovePlacementGroup(group);
        }
        CpusBackTo(ClusterFixture.Cpus);
        Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("Custom") == 1, s_timeout, "Custom to come back");
        Eventually.True(() => !Ray.ClusterResources().Keys.Any(k => k.EndsWith(group.Id, StringComparison.Ordinal)), s_timeout, "the group's resources to go");
        Assert.Equal(PlacementGroupState.Removed, Ray.PlacementGroupTable(group).State);
    }

    [Fact]
    public void Tasks_and_actors_run_inside_the_group_and_see_it_as_their_current_group() =>
        WithGroup([s_oneCpu, s_oneCpu], PlacementStrategy.StrictPack, group =>
        {
            Assert.True(group.Wait(s_timeout));
            var inBundle = Ray.Task(PlacementGroupFunctions.CurrentGroup).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, 1)).Remote();
            var anyBundle = Ray.Task(PlacementGroupFunctions.CurrentGroup).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote();
            Assert.Equal(group.Id, Fetch.Value(inBundle, "a task in bundle 1"));
            Assert.Equal(group.Id, Fetch.Value(anyBundle, "a task in any bundle"));
            Assert.Equal("", Fetch.Value(Ray.Task(PlacementGroupFunctions.CurrentGroup).SetResource("CPU", 0).Remote(), "a task outside the group"));
            var counter = Ray.Actor(Counter.Create, 5).SetResource("CPU", 1).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, 0)).Remote();
            Assert.Equal(6, Fetch.Value(counter.Task(c => c.IncreaseAndGet(1)).Remote(), "a call of an actor in bundle 0"));
        });

    [Fact]
    public void A_task_that_captures_its_children_puts_them_in_its_group_and_one_that_does_not_leaves_them_out() =>
        WithGroup([s_oneCpu], PlacementStrategy.Pack, group =>
        {
            Assert.True(group.Wait(s_timeout));
            // The parent holds half the bundle's CPU while it waits (as in Ray, a task blocked in Get keeps its
            // group's CPU), so the child asks for the other half.
            var captured = Ray.Task(PlacementGroupFunctions.ChildGroup).SetResource("CPU", 0.5)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, captureChildTasks: true)).Remote();
            Assert.Equal(group.Id, Fetch.Value(captured, "a child of a capturing task"));
            var optedOut = Ray.Task(PlacementGroupFunctions.DefaultChildGroup).SetResource("CPU", 0.5)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, captureChildTasks: true)).Remote();
            Assert.Equal("", Fetch.Value(optedOut, "a child of a capturing task that sets the default strategy"));
            var notCaptured = Ray.Task(PlacementGroupFunctions.ChildGroup).SetResource("CPU", 0.5)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote();
            Assert.Equal("", Fetch.Value(notCaptured, "a child of a task that does not capture"));
        });

    /// <summary>
    /// Ray's get_current_placement_group() and placement_group_capture_child_tasks for an actor: its constructor and its
    /// methods run in its group (a method's call carries no group of its own), and the tasks a method submits with the
    /// default strategy join the group only when the actor captures its children.
    /// </summary>
    [Fact]
    public void An_actor_in_a_group_sees_it_in_its_constructor_and_methods_and_its_children_join_it_when_it_captures_them() =>
        WithGroup([s_oneCpu], PlacementStrategy.Pack, group =>
        {
            Assert.True(group.Wait(s_timeout));
            // A quarter of the bundle's CPU each, so a captured child (half a CPU) still fits beside both.
            var capturing = Ray.Actor(GroupProbe.Create).SetResource("CPU", 0.25)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, captureChildTasks: true)).Remote();
            var plain = Ray.Actor(GroupProbe.Create).SetResource("CPU", 0.25).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote();
            try
            {
                foreach (var (actor, what) in new[] { (capturing, "the capturing actor"), (plain, "the actor that does not capture") })
                {
                    Assert.Equal(group.Id, Fetch.Value(actor.Task(static p => p.CreationGroup()).Remote(), $"the group in {what}'s constructor"));
                    Assert.Equal(group.Id, Fetch.Value(actor.Task(static p => p.CurrentGroup()).Remote(), $"the group in a method of {what}"));
                    Assert.Equal(group.Id, Fetch.Value(actor.Task(static p => p.ContextGroup()).Remote(), $"the context's group in a method of {what}"));
                }
                // What each was given, under the plain names (Ray's get_assigned_resources inside a group).
                Assert.Equal(new Dictionary<string, double> { ["CPU"] = 0.25 }, Fetch.Value(plain.Task(static p => p.Resources()).Remote(), "an actor's resources in the group"));
                Assert.Equal(new Dictionary<string, double> { ["CPU"] = 0.5 }, Fetch.Value(Ray.Task(PlacementGroupFunctions.Resources).SetResource("CPU", 0.5)
                    .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote(), "a task's resources in the group"));
                Assert.Equal(group.Id, Fetch.Value(capturing.Task(static p => p.ChildGroup()).Remote(), "a child of the capturing actor"));
                Assert.Equal("", Fetch.Value(plain.Task(static p => p.ChildGroup()).Remote(), "a child of the actor that does not capture"));
                Assert.Equal("", Fetch.Value(Ray.Task(PlacementGroupFunctions.CurrentGroup).SetResource("CPU", 0).Remote(), "a task outside the group"));
            }
            finally
            {
                Ray.Kill(capturing);
                Ray.Kill(plain);
            }
        });

    [Fact]
    public void Demands_that_do_not_fit_the_bundle_and_bad_bundles_fail_at_the_call()
    {
        cluster.EnsureRunning();
        WithGroup([s_oneCpu], PlacementStrategy.Pack, group =>
        {
            var tooBig = Assert.Throws<ArgumentException>(() => Ray.Task(PlacementGroupFunctions.CurrentGroup).SetResource("CPU", 2)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote());
            Assert.Contains("does not fit", tooBig.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => Ray.Task(PlacementGroupFunctions.CurrentGroup).SetResource("GPU", 1)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, 0)).Remote());
            Assert.Throws<ArgumentException>(() => SchedulingStrategy.PlacementGroup(group, 1));
            Assert.Throws<ArgumentException>(() => SchedulingStrategy.PlacementGroup(group, -2));
        });
        Assert.Throws<ArgumentException>(() => Ray.PlacementGroup([]));
        Assert.Throws<ArgumentException>(() => Ray.PlacementGroup([new Dictionary<string, double>()]));
        Assert.Throws<ArgumentException>(() => Ray.PlacementGroup([new Dictionary<string, double> { ["CPU"] = 0 }]));
        Assert.Throws<ArgumentException>(() => Ray.PlacementGroup([new Dictionary<string, double> { ["CPU"] = -1 }]));
        Assert.Throws<ArgumentException>(() => Ray.PlacementGroup([new Dictionary<string, double> { ["CPU"] = 0.00001 }]));
        Assert.Throws<ArgumentException>(() => Ray.PlacementGroup([new Dictionary<string, double> { ["GPU"] = 1.5 }]));
    }

    [Fact]
    public void A_group_larger_than_the_cluster_stays_pending_says_why_and_can_be_removed()
    {
        cluster.EnsureRunning();
        var group = Ray.PlacementGroup([new Dictionary<string, double> { ["CPU"] = 64 }]);
        var ready = group.Ready();
        try
        {
            Assert.False(group.Wait(TimeSpan.FromSeconds(1)), "a 64-CPU bundle cannot be placed on a 2-CPU cluster");
            var (done, _) = Ray.Wait([ready], timeout: TimeSpan.FromMilliseconds(500));
            Assert.Empty(done);
            Eventually.True(() => Ray.PlacementGroupTable(group).PendingReason.StartsWith("infeasible", StringComparison.Ordinal), s_timeout, "the group to be reported infeasible");
            Assert.Equal(PlacementGroupState.Pending, Ray.PlacementGroupTable(group).State);
        }
        finally
        {
            Ray.RemovePlacementGroup(group);
        }
        var error = Assert.ThrowsAny<RayException>(() => Ray.Get(ready, s_timeout));
        Assert.Contains("removed", error.ToString(), StringComparison.Ordinal);
        Assert.Throws<RayException>(() => group.Wait(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Removing_a_group_kills_its_actors_fails_its_queued_tasks_and_ends_its_running_ones()
    {
        cluster.EnsureRunning();
        var dir = Directory.CreateTempSubdirectory("raysharp-pg-").FullName;
        var group = Ray.PlacementGroup([s_oneCpu]);
        ObjectRef<int> running, queued;
        ActorHandle<Counter> actor;
        try
        {
            Assert.True(group.Wait(s_timeout));
            actor = Ray.Actor(Counter.Create, 0).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote();
            Assert.Equal(1, Fetch.Value(actor.Task(c => c.IncreaseAndGet(1)).Remote(), "the group's actor"));
            running = Ray.Task(PlacementGroupFunctions.HoldUntilReleased, dir).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote();
            Eventually.True(() => File.Exists(Path.Combine(dir, "started")), s_timeout, "the task holding the bundle's CPU to start");
            // The bundle's one CPU is busy: this one waits for it.
            queued = Ray.Task(PlacementGroupFunctions.HoldUntilReleased, dir).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote();
            Assert.Empty(Ray.Wait([queued], timeout: TimeSpan.FromSeconds(1)).Ready);
        }
        finally
        {
            Ray.RemovePlacementGroup(group);
        }
        try
        {
            Assert.ThrowsAny<RayException>(() => Ray.Get(queued, s_timeout));
            Assert.ThrowsAny<RayException>(() => Ray.Get(running, s_timeout));
            Assert.Throws<RayActorException>(() => Ray.Get(actor.Task(c => c.GetValue()).Remote(), s_timeout));
        }
        finally
        {
            File.WriteAllText(Path.Combine(dir, "release"), "");
        }
        CpusBackTo(ClusterFixture.Cpus);
    }

    [Fact]
    public void A_task_on_one_bundle_and_a_task_on_any_bundle_never_share_the_bundles_one_CPU()
    {
        cluster.EnsureRunning();
        var first = Directory.CreateTempSubdirectory("raysharp-pg-a-").FullName;
        var second = Directory.CreateTempSubdirectory("raysharp-pg-b-").FullName;
        try
        {
            WithGroup([s_oneCpu], PlacementStrategy.Pack, group =>
            {
                Assert.True(group.Wait(s_timeout));
                var onBundle = Ray.Task(PlacementGroupFunctions.HoldUntilReleased, first).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, 0)).Remote();
                Eventually.True(() => File.Exists(Path.Combine(first, "started")), s_timeout, "the task on bundle 0 to start");
                var onAny = Ray.Task(PlacementGroupFunctions.HoldUntilReleased, second).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote();
                Thread.Sleep(TimeSpan.FromSeconds(1));
                Assert.False(File.Exists(Path.Combine(second, "started")), "a task on any bundle started while bundle 0's only CPU was taken");
                File.WriteAllText(Path.Combine(first, "release"), "");
                Fetch.Value(onBundle, "the task on bundle 0");
                File.WriteAllText(Path.Combine(second, "release"), "");
                Fetch.Value(onAny, "the task on any bundle, once the CPU was free");
            });
        }
        finally
        {
            File.WriteAllText(Path.Combine(first, "release"), "");
            File.WriteAllText(Path.Combine(second, "release"), "");
        }
    }

    [Fact]
    public void A_task_in_a_GPU_bundle_gets_the_GPU_id_the_bundle_reserved_and_others_get_another() =>
        WithGroup([new Dictionary<string, double> { ["GPU"] = 1 }], PlacementStrategy.Pack, group =>
        {
            Assert.True(group.Wait(s_timeout));
            var inBundle = Fetch.Value(Ray.Task(ResourceFunctions.GpuIds).SetResource("CPU", 0).SetResource("GPU", 1)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, 0)).Remote(), "a GPU task in the bundle");
            var inAnyBundle = Fetch.Value(Ray.Task(ResourceFunctions.GpuIds).SetResource("CPU", 0).SetResource("GPU", 1)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group)).Remote(), "a GPU task in any bundle");
            var outside = Fetch.Value(Ray.Task(ResourceFunctions.GpuIds).SetResource("CPU", 0).SetResource("GPU", 1).Remote(), "a GPU task outside the group");
            Assert.Single(inBundle);
            Assert.Equal(inBundle, inAnyBundle);
            Assert.Single(outside);
            Assert.NotEqual(inBundle[0], outside[0]);
        });

    [Fact]
    public void A_named_group_is_found_by_name_and_its_name_is_unique_while_it_lives()
    {
        cluster.EnsureRunning();
        var name = "pg-" + Guid.NewGuid().ToString("N");
        WithGroup([s_oneCpu], PlacementStrategy.Pack, group =>
        {
            var found = Ray.GetPlacementGroup(name);
            Assert.Equal(group, found);
            Assert.Equal(1, found.BundleCount);
            Assert.Throws<ArgumentException>(() => Ray.PlacementGroup([s_oneCpu], name: name));
        }, name);
        Assert.Throws<ArgumentException>(() => Ray.GetPlacementGroup(name));
        // Once removed, the name is free again.
        WithGroup([s_oneCpu], PlacementStrategy.Pack, group => Assert.Equal(group, Ray.GetPlacementGroup(name)), name);
    }
}
