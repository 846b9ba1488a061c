using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Jobs;
using RaySharp.Common.Security;

namespace RaySharp.Dashboard;

/// <summary>
/// The head's HTTP server (Ray's dashboard, port 8265), hosted by the GCS process: Kestrel, HTTP/1.1, on
/// loopback unless told otherwise, HTTPS with the cluster's certificate when the cluster has TLS. It is a
/// GCS client like any other (over the GCS's authenticated endpoint). Its modules: the job API
/// (<see cref="Jobs.JobsModule"/>), the state API (<see cref="State.StateModule"/>) and the pages (<see cref="Pages.PagesModule"/>).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where clients reach the server, e.g. http://127.0.0.1:8265.</summary>
    public string Url { get; }

    /// <summary>Starts the server with its modules; the process's <see cref="ClusterSecurity"/> gives the token and TLS.</summary>
    /// <param name="options">Address, port, the GCS and the session directory.</param>
    /// <param name="loggers">Where the server logs (dashboard.log); null logs nothing.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="IOException">The port is taken.</exception>
    public static async Task<DashboardServer> StartAsync(DashboardOptions options, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        while (true)
        {
            try
            {
                return await StartOnAsync(options, loggers, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (options.PortAttempts > 1 && options.Port is > 0 and < 65535)
            {
                // The port is taken (another cluster's dashboard, most likely): the next one, as Ray does from its default.
                options = options with { Port = options.Port + 1, PortAttempts = options.PortAttempts - 1 };
            }
        }
    }

    private static async Task<DashboardServer> StartOnAsync(DashboardOptions options, ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        IDashboardModule[] modules = [new Jobs.JobsModule(), new State.StateModule(), new Logs.LogsModule(), new Pages.PagesModule()];
        var security = ClusterSecurity.Current;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        if (loggers is not null)
        {
            builder.Services.AddSingleton(loggers);
        }
        var ip = options.Host is "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // A working directory package is the largest body the API takes; each route bounds its own.
            k.Limits.MaxRequestBodySize = WorkingDirPackage.MaxBytes + 1;
            k.Listen(ip, options.Port, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                if (security.Tls is { } tls)
                {
                    // The cluster's certificate; no client certificate asked: browsers and job clients have none, the token authenticates.
                    o.UseHttps(tls.Certificate);
                }
            });
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, Common.Transport.ProcessLifetime>();
        foreach (var module in modules)
        {
            module.ConfigureServices(builder.Services, options);
        }
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RaySharp.Dashboard");
        var authentication = new ApiAuthentication(security.Token, logger);
        app.Use(authentication.InvokeAsync);
        foreach (var module in modules)
        {
            module.Map(app);
        }
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var url = $"{(security.Tls is null ? "http" : "https")}://{options.Host}:{bound.Port}";
        DashboardLog.Serving(logger, url);
        return new DashboardServer(app, url);
    }

    /// <summary>Stops the server; the job module first stops the jobs still running (the cluster is going down).</summary>
    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
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
