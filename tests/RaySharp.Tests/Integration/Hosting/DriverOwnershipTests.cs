using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RaySharp.Hosting;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration.Hosting;

/// <summary>
/// Ray is one driver per process: a second AddRaySharp, a host started while Ray is initialized, a second host, and
/// invalid options each fail clearly, and leave whatever driver runs untouched.
/// </summary>
[Collection("Cluster")]
public class DriverOwnershipTests(ClusterFixture cluster)
{
    [Fact]
    public void A_second_AddRaySharp_on_the_same_services_is_refused()
    {
        var services = new ServiceCollection();
        services.AddRaySharp();
        var error = Assert.Throws<InvalidOperationException>(() => services.AddRaySharp(o => o.NumCpus = 1));
        Assert.Contains("AddRaySharp was already called", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_does_not_start_when_Ray_Init_was_already_called_and_that_driver_keeps_running()
    {
        cluster.EnsureRunning();
        var job = Ray.GetRuntimeContext().JobId;
        using (var host = Build(o => o.NumCpus = 1))
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Bounded(host.StartAsync()));
            Assert.Contains("Ray.Init was already called", error.Message, StringComparison.Ordinal);
        }
        // Disposing the host that failed did not shut down a driver it does not own.
        Assert.True(Ray.IsInitialized);
        Assert.Equal(job, Ray.GetRuntimeContext().JobId);
        Assert.Equal(4, await Ray.GetAsync(Ray.Task(BasicFunctions.Square, 2).Remote(), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_second_host_fails_to_start_while_the_first_one_runs_and_can_start_once_it_stopped()
    {
        cluster.EnsureRunning();
        Ray.Shutdown();
        try
        {
            using (var first = Build(o => o.NumCpus = 1))
            {
                await Bounded(first.StartAsync());
                var job = Ray.GetRuntimeContext().JobId;
                using (var second = Build(o => o.NumCpus = 1))
                {
                    var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Bounded(second.StartAsync()));
                    Assert.Contains("Another host in this process already started RaySharp", error.Message, StringComparison.Ordinal);
                }
                Assert.Equal(job, Ray.GetRuntimeContext().JobId);
                Assert.Equal(9, await Ray.GetAsync(Ray.Task(BasicFunctions.Square, 3).Remote(), TimeSpan.FromSeconds(60)));
                await Bounded(first.StopAsync());
                Assert.False(Ray.IsInitialized);
            }
            using var third = Build(o => o.NumCpus = 1);
            await Bounded(third.StartAsync());
            Assert.True(Ray.IsInitialized);
            await Bounded(third.StopAsync());
            Assert.False(Ray.IsInitialized);
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    [Fact]
    public async Task Invalid_options_fail_the_host_start_with_the_setting_named_and_leave_Ray_uninitialized()
    {
        cluster.EnsureRunning();
        Ray.Shutdown();
        try
        {
            var timeout = await StartFails<OptionsValidationException>(o => o.HealthCheckTimeout = TimeSpan.Zero);
            Assert.Contains("RaySharp:HealthCheckTimeout", timeout.Message, StringComparison.Ordinal);
            var env = await StartFails<OptionsValidationException>(o => o.RuntimeEnv.EnvVars["RAYSHARP_ADDRESS"] = "x");
            Assert.Contains("RaySharp:RuntimeEnv", env.Message, StringComparison.Ordinal);
            var cpus = await StartFails<ArgumentException>(o => o.NumCpus = -1);
            Assert.Contains("NumCpus", cpus.Message, StringComparison.Ordinal);
            var joining = await StartFails<ArgumentException>(o => { o.Address = "127.0.0.1:1"; o.NumCpus = 1; });
            Assert.Contains("cannot set the cluster's resources", joining.Message, StringComparison.Ordinal);

            // None of them took the driver: the health check says Ray is not initialized, and a valid host starts.
            var health = await Check();
            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("not initialized", health.Description, StringComparison.Ordinal);
            using var valid = Build(o => o.NumCpus = 1);
            await Bounded(valid.StartAsync());
            health = await Check();
            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal(1, health.Data["nodesAlive"]);
            await Bounded(valid.StopAsync());
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    private static async Task<TException> StartFails<TException>(Action<RaySharpOptions> configure)
        where TException : Exception
    {
        using var host = Build(configure);
        var error = await Assert.ThrowsAsync<TException>(() => Bounded(host.StartAsync()));
        Assert.False(Ray.IsInitialized);
        return error;
    }

    private static Task<HealthCheckResult> Check()
    {
        var check = new RaySharpHealthCheck(Options.Create(new RaySharpOptions()));
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("raysharp", check, HealthStatus.Unhealthy, null) };
        return Bounded(check.CheckHealthAsync(context));
    }

    // A host's start (Ray.Init) and stop (Ray.Shutdown) take seconds; a hang fails the test instead of the run.
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(120);

    private static Task Bounded(Task task) => task.WaitAsync(s_bound);

    private static Task<T> Bounded<T>(Task<T> task) => task.WaitAsync(s_bound);

    private static IHost Build(Action<RaySharpOptions> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddRaySharp(configure);
        return builder.Build();
    }
}
