using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class ResourceTests(ClusterFixture cluster)
{
    [Fact]
    public void ClusterResources_shows_the_declared_resources()
    {
        cluster.EnsureRunning();
        var resources = Ray.ClusterResources();
        Assert.Equal(2, resources["CPU"]);
        Assert.Equal(2, resources["GPU"]);
        Assert.Equal(1, resources["Custom"]);
        Assert.Equal(1, resources["node:127.0.0.1"]);
        Assert.True(resources["object_store_memory"] > 0);
        // Ray's "memory": the machine's less the store's, so .options(memory=...) sized in bytes fits.
        Assert.True(resources["memory"] > 0);
        Assert.True(resources["memory"] + resources["object_store_memory"] <= GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    /// <summary>Ray's <c>.options(memory=bytes)</c>: scheduled against the node's memory, held while the task runs.</summary>
    [Fact]
    public void Tasks_ask_for_memory_in_bytes_and_one_asking_more_than_the_node_has_waits()
    {
        cluster.EnsureRunning();
        var total = Ray.ClusterResources()["memory"];
        Assert.Equal("ran", Fetch.Value(Ray.Task(ResourceFunctions.Ran).SetResource("memory", 100L << 20).Remote(), "a task asking 100 MiB"));

        var tooBig = Ray.Task(ResourceFunctions.Ran).SetResource("memory", Math.Floor(total) + (1L << 30)).Remote();
        var (ready, _) = Ray.Wait([tooBig], timeout: TimeSpan.FromSeconds(1));
        Assert.Empty(ready);
        Ray.Cancel(tooBig);
        Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("memory") == total, TimeSpan.FromSeconds(30), "all the memory free again");
    }

    [Fact]
    public void AvailableResources_come_back_when_tasks_end()
    {
        cluster.EnsureRunning();
        Fetch.Value(Ray.Task(ResourceFunctions.Ran).SetResource("GPU", 1).SetResource("Custom", 1).Remote(), "a GPU+Custom task");
        Eventually.True(() =>
            {
                var available = Ray.AvailableResources();
                return available.GetValueOrDefault("GPU") == 2 && available.GetValueOrDefault("Custom") == 1;
            },
            TimeSpan.FromSeconds(30), "GPU=2 and Custom=1 to be available again after the task");
    }

    [Fact]
    public void A_task_needing_more_than_the_cluster_has_stays_pending_without_error()
    {
        cluster.EnsureRunning();
        var errorsBefore = Ray.ErrorInfo().Count;

        var infeasible = Ray.Task(ResourceFunctions.Ran).SetResource("CPU", 4).Remote();
        var (ready, notReady) = Ray.Wait([infeasible], timeout: TimeSpan.FromSeconds(1));

        Assert.Empty(ready);
        Assert.Equal([infeasible], notReady);
        Assert.Equal(errorsBefore, Ray.ErrorInfo().Count);
        // It does not block feasible work either.
        Assert.Equal("ran", Fetch.Value(Ray.Task(ResourceFunctions.Ran).Remote(), "a feasible task next to an infeasible one"));
    }

    [Fact]
    public void Two_concurrent_GPU_tasks_get_different_ids_matching_CUDA_VISIBLE_DEVICES()
    {
        cluster.EnsureRunning();
        var barrier = Directory.CreateTempSubdirectory("raysharp-test-gpu-").FullName;
        try
        {
            var refs = Enumerable.Range(0, 2)
                .Select(_ => Ray.Task(ResourceFunctions.HoldGpuTogether, barrier, 2).SetResource("GPU", 1).Remote())
                .ToList();

            var reports = Fetch.Values(refs, "two GPU tasks holding their GPUs together");

            Assert.All(reports, r => Assert.Single(r.Ids));
            Assert.All(reports, r => Assert.Equal(string.Join(",", r.Ids), r.CudaVisibleDevices));
            Assert.NotEqual(reports[0].Ids[0], reports[1].Ids[0]);
            Assert.Equal([0, 1], reports.Select(r => r.Ids[0]).Order());
            Assert.NotEqual(reports[0].Pid, reports[1].Pid);
        }
        finally
        {
            Directory.Delete(barrier, recursive: true);
        }
    }

    [Fact]
    public void A_task_holding_two_GPUs_sees_both()
    {
        cluster.EnsureRunning();
        var ids = Fetch.Value(Ray.Task(ResourceFunctions.GpuIds).SetResource("GPU", 2).Remote(), "a GPU=2 task");
        Assert.Equal([0, 1], ids.Order());
    }

    /// <summary>
    /// Ray sets an actor's GPUs before its constructor runs and keeps them for its life: get_gpu_ids,
    /// get_accelerator_ids and CUDA_VISIBLE_DEVICES in the constructor and in each method.
    /// </summary>
    [Fact]
    public void GPU_actors_see_their_own_GPUs_from_the_constructor_on()
    {
        cluster.EnsureRunning();
        var actors = Enumerable.Range(0, 2).Select(_ => Ray.Actor(GpuActor.Create).SetResource("GPU", 1).Remote()).ToList();
        try
        {
            var atCreation = Fetch.Values(actors.Select(a => a.Task(g => g.AtCreation()).Remote()).ToList(), "what the constructors saw");
            var now = Fetch.Values(actors.Select(a => a.Task(g => g.Now()).Remote()).ToList(), "what a method sees");
            var accelerators = Fetch.Values(actors.Select(a => a.Task(g => g.AcceleratorGpuIds()).Remote()).ToList(), "the accelerator ids");

            Assert.All(atCreation, r => Assert.Single(r.Ids));
            Assert.Equal([0, 1], atCreation.Select(r => r.Ids[0]).Order());
            for (var i = 0; i < actors.Count; i++)
            {
                Assert.Equal(atCreation[i].Ids, now[i].Ids);
                Assert.Equal(atCreation[i].Ids[0].ToString(System.Globalization.CultureInfo.InvariantCulture), atCreation[i].CudaVisibleDevices);
                Assert.Equal(atCreation[i].CudaVisibleDevices, now[i].CudaVisibleDevices);
                Assert.Equal([atCreation[i].CudaVisibleDevices!], accelerators[i]);
            }
        }
        finally
        {
            actors.ForEach(a => Ray.Kill(a));
        }
        Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("GPU") == 2, TimeSpan.FromSeconds(30), "both GPUs free again after the actors die");
    }

    [Fact]
    public void A_task_without_GPUs_sees_none()
    {
        cluster.EnsureRunning();
        Assert.Empty(Fetch.Value(Ray.Task(ResourceFunctions.GpuIds).Remote(), "a CPU-only task"));
        Assert.Empty(Ray.GetGpuIds());
    }

    [Fact]
    public void Zero_CPU_tasks_run()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 4).Select(_ => Ray.Task(ResourceFunctions.Ran).SetResource("CPU", 0).Remote()).ToList();
        Assert.Equal(["ran", "ran", "ran", "ran"], Fetch.Values(refs, "4 tasks with CPU=0"));
    }

    [Fact]
    public void Fractional_and_custom_resources_run()
    {
        cluster.EnsureRunning();
        var half = Ray.Task(ResourceFunctions.GpuIds).SetResource("GPU", 0.5).SetResource("CPU", 0.5).Remote();
        var custom = Ray.Task(ResourceFunctions.Ran).SetResource("Custom", 1).Remote();
        // Ray takes fractions above 1 for anything but GPUs.
        var oneAndHalf = Ray.Task(ResourceFunctions.Ran).SetResource("CPU", 1.5).Remote();
        Assert.Single(Fetch.Value(half, "a GPU=0.5 task"));
        Assert.Equal("ran", Fetch.Value(custom, "a Custom=1 task"));
        Assert.Equal("ran", Fetch.Value(oneAndHalf, "a CPU=1.5 task"));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(0.00001)]
    public void Invalid_resource_amounts_throw_at_SetResource(double amount)
    {
        cluster.EnsureRunning();
        Assert.Throws<ArgumentException>(() => Ray.Task(ResourceFunctions.Ran).SetResource("CPU", amount));
    }
}
