using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport;

/// <summary>
/// Hosts gRPC services of one component (GCS, raylet or core worker) on Kestrel, HTTP/2 on a Unix
/// domain socket ("unix:/path") or a TCP address ("host:port", port 0 picks one; TLS with client
/// certificates when the process's <see cref="ClusterSecurity"/> has it). Every call passes one
/// <see cref="CallGuard"/> (the cluster token, malformed requests) and messages are bounded by
/// <see cref="RpcLimits"/>. Each component has its own host, so the embedded default runs the same
/// servers as a real cluster.
/// </summary>
public sealed class GrpcServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _socketPath;

    private GrpcServerHost(WebApplication app, string endpoint, string? socketPath)
    {
        _app = app;
        Endpoint = endpoint;
        _socketPath = socketPath;
    }

    /// <summary>Where clients reach this host, in the form <see cref="ChannelPool"/> understands.</summary>
    public string Endpoint { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<GrpcServerHost> StartAsync(
        string endpoint,
        Action<IServiceCollection> configureServices,
        Action<IEndpointRouteBuilder> mapServices,
        CancellationToken cancellationToken = default,
        ILoggerFactory? loggerFactory = null)
    {
        // No appsettings.json watching: each watcher costs an inotify instance (128 per user by default),
        // and a node runs a host in every worker process.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }
        string? socketPath = null;
        var security = ClusterSecurity.Current;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            // Big windows: task batches and inline values should not stall on HTTP/2 flow control.
            k.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
            k.Limits.Http2.InitialStreamWindowSize = 8 * 1024 * 1024;
            k.Limits.Http2.MaxStreamsPerConnection = 10_000;
            k.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
            k.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            if (endpoint.StartsWith("unix:", StringComparison.Ordinal))
            {
                socketPath = endpoint["unix:".Length..];
                if (File.Exists(socketPath))
                {
                    File.Delete(socketPath);
                }
                k.ListenUnixSocket(socketPath, o => o.Protocols = HttpProtocols.Http2);
            }
            else
            {
                var (host, port) = EndpointAddress.ParseHostPort(endpoint);
                var ip = host is "localhost" or "" ? IPAddress.Loopback : IPAddress.Parse(host);
                k.Listen(ip, port, o =>
                {
                    o.Protocols = HttpProtocols.Http2;
                    if (security.Tls is { } tls)
                    {
                        o.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                        {
                            ServerCertificate = tls.Certificate,
                            ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate,
                            ClientCertificateValidation = (certificate, _, _) => tls.Trusts(certificate),
                        });
                    }
                });
            }
        });
        builder.Services.AddSingleton(security);
        builder.Services.AddSingleton(new CallGuard(security, loggerFactory));
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = RpcLimits.MaxMessageSize;
            o.MaxSendMessageSize = RpcLimits.MaxMessageSize;
            o.EnableDetailedErrors = true;
            o.Interceptors.Add<CallGuard>();
        });
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, ProcessLifetime>();
        configureServices(builder.Services);
        var app = builder.Build();
        mapServices(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var actual = endpoint;
        if (socketPath is null)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var uri = new Uri(address);
            actual = $"{EndpointAddress.ParseHostPort(endpoint).Host}:{uri.Port}";
        }
        return new GrpcServerHost(app, actual, socketPath);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Streams that do not end in time are cut; the processes behind them exit on their own.
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_socketPath is not null && File.Exists(_socketPath))
        {
            File.Delete(_socketPath);
        }
    }
}
