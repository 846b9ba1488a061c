using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Logging;
using RaySharp.Common.Transport;

namespace RaySharp.Gcs;

/// <summary>Starts and stops a GCS. The embedded default hosts it in the driver's process; the CLI runs it alone.</summary>
public sealed class GcsServer : IAsyncDisposable
{
    private readonly GrpcServerHost _host;
    private readonly ILoggerFactory? _loggers;

    private GcsServer(GrpcServerHost host, ILoggerFactory? loggers)
    {
        _host = host;
        _loggers = loggers;
    }

    public string Endpoint => _host.Endpoint;

    /// <param name="endpoint">Where to listen.</param>
    /// <param name="logDirectory">Where gcs.log goes; null logs nothing.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<GcsServer> StartAsync(string endpoint, string? logDirectory = null, CancellationToken cancellationToken = default)
    {
        var loggers = logDirectory is null ? null : FileLoggerProvider.CreateFactory(Path.Combine(logDirectory, "gcs.log"));
        var host = await GrpcServerHost.StartAsync(
            endpoint,
            services =>
            {
                services.AddSingleton(GcsOptions.FromEnvironment());
                services.AddSingleton<GcsTables>();
                services.AddSingleton<Actors.GcsActorManager>();
                services.AddSingleton<NodeHealthChecker>();
            },
            app => app.MapGrpcService<GcsService>(),
            cancellationToken,
            loggers).ConfigureAwait(false);
        host.Services.GetRequiredService<NodeHealthChecker>();
        host.Services.GetRequiredService<Actors.GcsActorManager>().WatchNodes();
        return new GcsServer(host, loggers);
    }

    /// <summary>The cluster is going down: actors that die from now on are not restarted.</summary>
    public void BeginShutdown() => _host.Services.GetRequiredService<Actors.GcsActorManager>().Stop();

    public async ValueTask DisposeAsync()
    {
        BeginShutdown();
        await _host.DisposeAsync().ConfigureAwait(false);
        _loggers?.Dispose();
    }
}
