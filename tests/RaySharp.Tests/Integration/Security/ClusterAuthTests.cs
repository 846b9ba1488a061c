using System.Diagnostics;
using Grpc.Core;
using RaySharp.Common.Security;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Security;

/// <summary>
/// A CLI-started cluster over TCP keeps strangers out: a node or driver without the token (or with
/// another) is refused with a message that says how to get it; `raysharp get-auth-token` prints it;
/// `--auth-mode disabled` opens the cluster with a warning.
/// </summary>
[Collection("Cluster")]
public class ClusterAuthTests(ClusterFixture shared)
{
    [Fact]
    public void A_node_with_a_wrong_token_or_none_is_refused_with_how_to_get_it()
    {
        using var cluster = new MultiNodeCluster();
        var wrong = Assert.ThrowsAny<Exception>(() => cluster.Add(["--address", cluster.Address], 1, null, track: false,
            new Dictionary<string, string> { [AuthToken.Variable] = AuthToken.Generate() }));
        Assert.Contains("refused this node", wrong.ToString(), StringComparison.Ordinal);
        Assert.Contains("get-auth-token", wrong.ToString(), StringComparison.Ordinal);

        // A machine without the head's token file: told to get it, before anything starts.
        var home = Directory.CreateTempSubdirectory("raysharp-home-");
        try
        {
            var none = Assert.ThrowsAny<Exception>(() => cluster.Add(["--address", cluster.Address], 1, null, track: false,
                new Dictionary<string, string> { ["HOME"] = home.FullName }));
            Assert.Contains("get-auth-token", none.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_driver_with_a_wrong_token_is_refused_and_one_with_the_token_runs_tasks()
    {
        using var cluster = new MultiNodeCluster();
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        try
        {
            var refused = Assert.Throws<RayException>(() => Ray.Init(new RayConfig { Address = cluster.Address, AuthToken = AuthToken.Generate() }));
            Assert.Contains("get-auth-token", refused.Message, StringComparison.Ordinal);
            Assert.False(Ray.IsInitialized);
            ClusterDriver.Run(shared, cluster.Address, "auth", () =>
                Assert.Equal(5, Ray.Get(Ray.Task(BasicFunctions.Add, 2, 3).Remote(), TimeSpan.FromSeconds(60))));
        }
        finally
        {
            shared.EnsureRunning();
        }
    }

    [Fact]
    public void Get_auth_token_prints_the_users_token()
    {
        var (exit, output) = Cli(["get-auth-token", "--generate"]);
        Assert.Equal(0, exit);
        Assert.Equal(AuthToken.FromUserFile(), output.Trim());
    }

    [Fact]
    public async Task Auth_mode_disabled_warns_and_serves_calls_without_a_token()
    {
        using var cluster = new MultiNodeCluster(headArguments: ["--auth-mode", "disabled"]);
        using var stranger = new RawRpc(cluster.Address, null);
        var getAllNodes = Protocol.Gcs.Descriptor.FindMethodByName("GetAllNodes");
        Assert.Equal(StatusCode.OK, await stranger.CallAsync(getAllNodes, [], TimeSpan.FromSeconds(10)));
        var (exit, output) = Cli(["start", "--address", cluster.Address, "--auth-mode", "disabled", "--auth-token-file", "/nonexistent"]);
        Assert.Equal(2, exit);
        Assert.Contains("--auth-token-file has no use with --auth-mode disabled", output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output) Cli(string[] args) => CliRunner.Run(args);
}
