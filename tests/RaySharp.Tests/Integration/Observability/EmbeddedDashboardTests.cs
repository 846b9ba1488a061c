using System.Net;
using System.Net.Sockets;
using RaySharp.Dashboard;
using RaySharp.State;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Observability;

/// <summary>
/// The dashboard of <c>Ray.Init()</c>'s own cluster (issue 12 item 1): served from the driver's process as
/// <c>ray.init()</c> serves it, on 8265 or the next free port, and never the reason a program cannot start
/// unless the program asked for it.
/// </summary>
[Collection("Cluster")]
public class EmbeddedDashboardTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_local_cluster_serves_the_dashboard_and_its_state_api()
    {
        cluster.EnsureRunning();
        var url = Ray.DashboardUrl;
        Assert.NotNull(url);
        var port = new Uri(url).Port;
        // 8265, or one of the next 49 when another cluster on this machine holds it.
        Assert.InRange(port, DashboardOptions.DefaultPort, DashboardOptions.DefaultPort + DashboardOptions.DefaultPortAttempts - 1);

        using var client = new StateApiClient(url, Common.Security.AuthToken.FromUserFile());
        var nodes = await client.ListAsync(StateResource.Nodes);
        var node = Assert.Single(nodes.Rows);
        Assert.Equal("ALIVE", node.GetProperty("state").GetString());

        using var http = new HttpClient();
        var page = await http.GetAsync(url + "/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        // Reads need the token: the embedded cluster keeps strangers out as a CLI head does.
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(url + "/api/v0/nodes")).StatusCode);
    }

    [Fact]
    public void A_taken_port_fails_Init_only_when_the_dashboard_was_asked_for()
    {
        cluster.EnsureRunning();
        Ray.Shutdown();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        try
        {
            var asked = Config(include: true, port: taken);
            var error = Assert.Throws<RayException>(() => Ray.Init(asked));
            Assert.Contains(taken.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
            Assert.Contains("RayConfig.DashboardPort", error.Message, StringComparison.Ordinal);
            Assert.False(Ray.IsInitialized);

            // Not asked for: the program runs, without a dashboard, and says why.
            using (var console = new ConsoleCapture())
            {
                Ray.Init(Config(include: null, port: taken));
                Assert.Contains("without a dashboard", console.Text, StringComparison.Ordinal);
            }
            Assert.Null(Ray.DashboardUrl);
            Assert.Equal(3, Ray.Get(Ray.Put(3)));
            Ray.Shutdown();

            Ray.Init(Config(include: false, port: null));
            Assert.Null(Ray.DashboardUrl);
        }
        finally
        {
            Ray.Shutdown();
            cluster.EnsureRunning();
        }
    }

    private static RayConfig Config(bool? include, int? port)
    {
        var shared = ClusterFixture.DefaultConfig();
        return new RayConfig { Address = RayConfig.LocalAddress, NumCpus = shared.NumCpus, NumGpus = shared.NumGpus, Resources = shared.Resources, Namespace = shared.Namespace, IncludeDashboard = include, DashboardPort = port };
    }

    [Fact]
    public async Task From_the_default_port_the_next_free_one_is_taken()
    {
        cluster.EnsureRunning();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var options = new DashboardOptions
        {
            Port = taken,
            PortAttempts = DashboardOptions.DefaultPortAttempts,
            GcsAddress = Ray.EmbeddedCluster!.Gcs.Endpoint,
            SessionDirectory = Directory.CreateTempSubdirectory("raysharp-dashboard-test").FullName,
        };
        await using var server = await DashboardServer.StartAsync(options);
        Assert.InRange(new Uri(server.Url).Port, taken + 1, taken + DashboardOptions.DefaultPortAttempts - 1);

        // A port given by the user is that port only.
        await Assert.ThrowsAsync<IOException>(() => DashboardServer.StartAsync(options with { PortAttempts = 1 }));
    }

    [Theory]
    [InlineData("DashboardPort")]
    [InlineData("IncludeDashboard")]
    public void A_driver_that_joins_a_cluster_cannot_set_its_dashboard(string setting)
    {
        var config = setting == "DashboardPort"
            ? new RayConfig { Address = "127.0.0.1:1", DashboardPort = 9000 }
            : new RayConfig { Address = "127.0.0.1:1", IncludeDashboard = true };
        var error = Assert.Throws<ArgumentException>(() => Ray.Init(config));
        Assert.Contains("head's dashboard", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dashboard_port_out_of_range_is_refused_at_the_call()
    {
        var error = Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { DashboardPort = 70000 }));
        Assert.Contains("DashboardPort", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { DashboardHost = "example" }));
        Assert.Contains("DashboardHost", error.Message, StringComparison.Ordinal);
    }
}
