using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using RaySharp.Bench.Security;
using RaySharp.Common.Security;
using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Security;

/// <summary>
/// Mutual TLS on every TCP link: a cluster whose nodes and driver hold certificates of the cluster's CA
/// runs tasks and moves objects across nodes; a client with a certificate of another CA, or with none,
/// is refused even when it holds the token.
/// </summary>
[Collection("Cluster")]
public class TlsTests(ClusterFixture shared) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("raysharp-tls-");

    [Fact]
    public async Task A_cluster_with_certificates_runs_tasks_across_nodes_and_refuses_another_CA()
    {
        var certificates = TestCertificates.Create(_directory.FullName, "cluster");
        var stranger = TestCertificates.Create(_directory.FullName, "stranger");
        using var cluster = new MultiNodeCluster(headArguments: certificates.Arguments);
        cluster.Add(["--address", cluster.Address], 1, "{\"tls_node\": 1}", track: true, arguments: certificates.Arguments);
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        try
        {
            Ray.Init(new RayConfig
            {
                Address = cluster.Address,
                TlsCertificateFile = certificates.CertFile,
                TlsKeyFile = certificates.KeyFile,
                TlsCaFile = certificates.CaFile,
            });
            var onOtherNode = Ray.Task(StoreFunctions.MakeBytes, 8 << 20, 3).SetResource("tls_node", 1).Remote();
            Assert.Equal(StoreFunctions.Pattern(8 << 20, 3), await Ray.GetAsync(onOtherNode, TimeSpan.FromSeconds(120)));
            Assert.Equal(StoreFunctions.Checksum(StoreFunctions.Pattern(8 << 20, 3)),
                await Ray.GetAsync(Ray.Task(StoreFunctions.Checksum, onOtherNode).SetResource("tls_node", 1).Remote(), TimeSpan.FromSeconds(60)));
            var token = ClusterSecurity.Current.Token!;

            // Another CA's certificate, the right token: refused in the handshake.
            Assert.NotEqual(StatusCode.OK, await GetAllNodesAsync(cluster.Address, stranger, token));
            // No TLS at all: refused too.
            using var plain = new RawRpc(cluster.Address, CallGuard.BearerPrefix + token);
            Assert.NotEqual(StatusCode.OK, await plain.CallAsync(Protocol.Gcs.Descriptor.FindMethodByName("GetAllNodes"), [], TimeSpan.FromSeconds(10)));
            // The cluster's own certificate: served.
            Assert.Equal(StatusCode.OK, await GetAllNodesAsync(cluster.Address, certificates, token));
        }
        finally
        {
            if (Ray.IsInitialized)
            {
                Ray.Shutdown();
            }
            shared.EnsureRunning();
        }
    }

    private static async Task<StatusCode> GetAllNodesAsync(string address, TestCertificates client, string token)
    {
        var tls = TlsSettings.Load(client.CertFile, client.KeyFile, client.CaFile);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { tls.Certificate },
                // Whatever the server shows: the question is whether it accepts us.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        };
        using var channel = GrpcChannel.ForAddress("https://" + address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        try
        {
            var headers = new Metadata { { "authorization", CallGuard.BearerPrefix + token } };
            await new Protocol.Gcs.GcsClient(channel).GetAllNodesAsync(new Protocol.Empty(), headers, DateTime.UtcNow.AddSeconds(10));
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
