using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RaySharp.Hosting;

namespace RaySharp.Tests.Integration.Hosting;

/// <summary>
/// AddRaySharp's options: bound from the "RaySharp" section of the host's configuration (in memory, environment
/// variables), then the delegate, and mapped onto RayConfig. In the Cluster collection: the environment variables
/// set here would reach the web sample's host, which reads them too.
/// </summary>
[Collection("Cluster")]
public class HostingOptionsTests
{
    [Fact]
    public void Every_setting_binds_from_in_memory_configuration_onto_RayConfig()
    {
        var config = Bind(new Dictionary<string, string?>
        {
            ["RaySharp:Address"] = " 10.1.2.3:6379 ",
            ["RaySharp:Namespace"] = "shop",
            ["RaySharp:NumCpus"] = "3",
            ["RaySharp:NumGpus"] = "1",
            ["RaySharp:Resources:accel"] = "2.5",
            ["RaySharp:Resources:Disk"] = "1",
            ["RaySharp:ObjectStoreMemory"] = "100000000",
            ["RaySharp:IdleWorkerKillingTime"] = "00:00:02",
            ["RaySharp:WorkerHeapLimitBytes"] = "67108864",
            ["RaySharp:RuntimeEnv:EnvVars:MODE"] = "fast",
            ["RaySharp:RuntimeEnv:WorkingDir"] = "/srv/app/data",
            ["RaySharp:RuntimeEnv:SetupTimeout"] = "00:01:00",
            ["RaySharp:RedisAddress"] = "127.0.0.1:6380",
            ["RaySharp:RedisPassword"] = "pw",
            ["RaySharp:AuthToken"] = "secret-token",
            ["RaySharp:TlsCertificateFile"] = "/certs/node.pem",
            ["RaySharp:TlsKeyFile"] = "/certs/node.key",
            ["RaySharp:TlsCaFile"] = "/certs/ca.pem",
            ["RaySharp:LogToDriver"] = "false",
            ["RaySharp:HealthCheckTimeout"] = "00:00:07",
        }).ToRayConfig();

        Assert.Equal("10.1.2.3:6379", config.Address);
        Assert.Equal("shop", config.Namespace);
        Assert.Equal(3, config.NumCpus);
        Assert.Equal(1, config.NumGpus);
        Assert.Equal(new Dictionary<string, double> { ["accel"] = 2.5, ["Disk"] = 1 }, config.Resources);
        Assert.Equal(100_000_000L, config.ObjectStoreMemory);
        Assert.Equal(TimeSpan.FromSeconds(2), config.IdleWorkerKillingTime);
        Assert.Equal(64L << 20, config.WorkerHeapLimitBytes);
        Assert.NotNull(config.RuntimeEnv);
        Assert.Equal(new Dictionary<string, string> { ["MODE"] = "fast" }, config.RuntimeEnv.EnvVars);
        Assert.Equal("/srv/app/data", config.RuntimeEnv.WorkingDir);
        Assert.Equal(TimeSpan.FromMinutes(1), config.RuntimeEnv.Config!.SetupTimeout);
        Assert.Equal("127.0.0.1:6380", config.RedisAddress);
        Assert.Equal("pw", config.RedisPassword);
        Assert.Equal("secret-token", config.AuthToken);
        Assert.Equal("/certs/node.pem", config.TlsCertificateFile);
        Assert.Equal("/certs/node.key", config.TlsKeyFile);
        Assert.Equal("/certs/ca.pem", config.TlsCaFile);
        Assert.False(config.LogToDriver);
    }

    [Fact]
    public void Unset_settings_keep_Ray_Init_defaults_so_RAYSHARP_variables_still_apply()
    {
        var options = Bind(new Dictionary<string, string?> { ["RaySharp:Address"] = "", ["RaySharp:AuthToken"] = "" });
        var config = options.ToRayConfig();
        // Null, not "": Ray.Init then reads RAYSHARP_ADDRESS and RAYSHARP_AUTH_TOKEN, as Ray reads RAY_ADDRESS.
        Assert.Null(config.Address);
        Assert.Null(config.AuthToken);
        Assert.Equal("", config.Namespace);
        Assert.Null(config.NumCpus);
        Assert.Empty(config.Resources);
        Assert.Null(config.RuntimeEnv);
        Assert.True(config.LogToDriver);
        Assert.Null(config.LoggerFactory);
        // The host's graceful stop, not the signal, ends a hosted driver.
        Assert.False(config.ShutdownOnExitSignals);
        Assert.Equal(TimeSpan.FromSeconds(5), options.HealthCheckTimeout);
    }

    [Fact]
    public void The_delegate_applies_after_configuration()
    {
        var options = Bind(new Dictionary<string, string?> { ["RaySharp:Namespace"] = "from-config", ["RaySharp:NumCpus"] = "3" },
            o => o.Namespace = "from-code");
        Assert.Equal("from-code", options.Namespace);
        Assert.Equal(3, options.NumCpus);
    }

    [Fact]
    public void Environment_variables_bind_as_the_host_reads_them()
    {
        var variables = new Dictionary<string, string>
        {
            ["RaySharp__Namespace"] = "from-env",
            ["RaySharp__NumCpus"] = "3",
            ["RaySharp__Resources__accel"] = "2",
            ["RaySharp__RuntimeEnv__EnvVars__MODE"] = "slow",
        };
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
        try
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            // What Host.CreateApplicationBuilder and WebApplication.CreateBuilder add by default.
            builder.Configuration.AddEnvironmentVariables();
            builder.Services.AddRaySharp();
            using var host = builder.Build();
            var config = host.Services.GetRequiredService<IOptions<RaySharpOptions>>().Value.ToRayConfig();
            Assert.Equal("from-env", config.Namespace);
            Assert.Equal(3, config.NumCpus);
            Assert.Equal(2, config.Resources["accel"]);
            Assert.Equal("slow", config.RuntimeEnv!.EnvVars["MODE"]);
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    /// <summary>The options a host with this configuration and AddRaySharp(configure) gets.</summary>
    private static RaySharpOptions Bind(IReadOnlyDictionary<string, string?> settings, Action<RaySharpOptions>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRaySharp(configure);
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<RaySharpOptions>>().Value;
    }
}
