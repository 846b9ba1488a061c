using Google.Protobuf.Reflection;
using Grpc.Core;
using RaySharp.Common.Security;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration.Security;

/// <summary>
/// Token authentication is on by default: every method of every service (GCS, raylet, object store, core
/// worker) refuses a call without the cluster token or with another one (UNAUTHENTICATED), serves the
/// same call with it, and keeps serving afterwards.
/// </summary>
[Collection("Cluster")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class AuthTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Every_method_of_every_service_refuses_a_missing_or_wrong_token_and_serves_the_right_one()
    {
        cluster.EnsureRunning();
        var token = ClusterSecurity.Current.Token;
        Assert.NotNull(token);
        Assert.True(token.Length >= 64, "a generated token holds at least 256 bits");
        var endpoints = Endpoints();
        var wrong = AuthToken.Generate();
        var checkedMethods = 0;
        var expected = 0;
        foreach (var method in RawRpc.AllMethods())
        {
            // The core worker service speaks the RaySharp wire protocol: its token travels once per
            // connection, with no HTTP scheme to get wrong. The raylet serves its own workers over it too.
            var targets = method.Service.Name switch
            {
                "CoreWorker" => new[] { (Endpoint: endpoints["CoreWorker"], Wire: true) },
                "NodeManager" or "ObjectStore" => [(endpoints[method.Service.Name], false), (Raylet.RayletServer.WireEndpointFor(endpoints[method.Service.Name]), true)],
                _ => [(endpoints[method.Service.Name], false)],
            };
            expected += targets.Length;
            foreach (var (endpoint, wire) in targets)
            {
                using var none = new RawRpc(endpoint, null, wire);
                using var stranger = new RawRpc(endpoint, CallGuard.BearerPrefix + wrong, wire);
                using var member = new RawRpc(endpoint, CallGuard.BearerPrefix + token, wire);
                Assert.Equal(StatusCode.Unauthenticated, await none.CallAsync(method, [], s_deadline));
                Assert.Equal(StatusCode.Unauthenticated, await stranger.CallAsync(method, [], s_deadline));
                if (!wire)
                {
                    using var badScheme = new RawRpc(endpoint, token);
                    Assert.Equal(StatusCode.Unauthenticated, await badScheme.CallAsync(method, [], s_deadline));
                }
                var served = await member.CallAsync(method, Harmless(method), s_deadline);
                Assert.True(served != StatusCode.Unauthenticated, $"{method.FullName} at {endpoint} refused the cluster's own token");
                checkedMethods++;
            }
        }
        Assert.Equal(expected, checkedMethods);
        // The cluster kept serving through all of it, and said in its logs whom it refused.
        Assert.Equal(42, await Ray.GetAsync(Ray.Task(Functions.BasicFunctions.Add, 40, 2).Remote(), TimeSpan.FromSeconds(60)));
        var logs = Path.Combine(Directory.GetParent(CoreWorker.Current!.Options.SocketDirectory)!.FullName, "logs");
        foreach (var log in new[] { "gcs.log", "raylet.log" })
        {
            Eventually.True(() => ReadShared(Path.Combine(logs, log)).Contains("Refused a call from", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), $"{log} to name the refused caller");
        }
    }

    [Fact]
    public void The_generated_token_is_kept_private_in_the_session_and_the_users_directory()
    {
        cluster.EnsureRunning();
        var token = ClusterSecurity.Current.Token!;
        Assert.Equal(token, File.ReadAllText(AuthToken.UserTokenFile).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AuthToken.UserTokenFile));
        var session = Directory.GetParent(CoreWorker.Current!.Options.SocketDirectory)!.FullName;
        Assert.Equal(token, File.ReadAllText(Path.Combine(session, "auth_token")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(session, "auth_token")));
        Assert.Equal(PrivateFiles.DirectoryMode, File.GetUnixFileMode(session));
        Assert.Equal(PrivateFiles.DirectoryMode, File.GetUnixFileMode(Common.Store.SessionPaths.BaseDirectory));
    }

    [Fact]
    public void A_token_that_is_too_short_is_refused_at_Init()
    {
        cluster.EnsureRunning();
        Ray.Shutdown();
        try
        {
            var error = Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { NumCpus = 1, AuthToken = "short" }));
            Assert.Contains("auth token", error.Message, StringComparison.Ordinal);
            Assert.False(Ray.IsInitialized);
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    // Requests that, with the right token, reach each method without changing the shared cluster: the
    // empty message, except where an empty id would mean "this process" or "every job".
    private static byte[] Harmless(MethodDescriptor method) => method.FullName switch
    {
        _ => [],
    };

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    private static Dictionary<string, string> Endpoints()
    {
        var driver = CoreWorker.Current!;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Gcs"] = driver.Options.GcsEndpoint,
            ["NodeManager"] = driver.Options.RayletEndpoint,
            ["ObjectStore"] = driver.Options.RayletEndpoint,
            ["CoreWorker"] = driver.Address.Endpoint,
        };
    }
}
