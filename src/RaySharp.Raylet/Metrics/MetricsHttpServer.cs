using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace RaySharp.Raylet.Metrics;

/// <summary>
/// Serves a registry as Prometheus text at <c>GET /metrics</c> (Ray's metrics export port), plain HTTP/1.1 on a
/// port of its own. No token: Prometheus scrapes it, and it tells counts, never data or a way in. So it listens on
/// loopback unless the node is told another address (<c>--metrics-host</c>).
/// </summary>
internal sealed class MetricsHttpServer : IAsyncDisposable
{
    /// <summary>Prometheus's text exposition format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly WebApplication _app;

    private MetricsHttpServer(WebApplication app, string endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>HOST:PORT where it listens (the port it got when asked for 0).</summary>
    public string Endpoint { get; }

    public static async Task<MetricsHttpServer> StartAsync(string host, int port, CollectorRegistry registry, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        // As every host of the node: the ASP.NET console lifetime would hold the process on Ctrl+C.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, Common.Transport.ProcessLifetime>();
        var address = host is "localhost" or "" ? IPAddress.Loopback : IPAddress.Parse(host);
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = ContentType;
            await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new MetricsHttpServer(app, $"{(host.Length == 0 ? "127.0.0.1" : host)}:{bound.Port}");
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
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
