using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RaySharp.Common.Transport;

namespace RaySharp.Gcs;

/// <summary>Starts and stops a GCS. The embedded default hosts it in the driver's process; the CLI runs it alone.</summary>
public sealed class GcsServer : IAsyncDisposable
{
    private readonly GrpcServerHost _host;

    private GcsServer(GrpcServerHost host) => _host = host;

    public string Endpoint => _host.Endpoint;

    public static async Task<GcsServer> StartAsync(string endpoint, CancellationToken cancellationToken = default)
    {
        var host = await GrpcServerHost.StartAsync(
            endpoint,
            services =>
            {
                services.AddSingleton<GcsTables>();
                services.AddSingleton<Actors.GcsActorManager>();
            },
            app => app.MapGrpcService<GcsService>(),
            cancellationToken).ConfigureAwait(false);
        return new GcsServer(host);
    }

    /// <summary>The cluster is going down: actors that die from now on are not restarted.</summary>
    public void BeginShutdown() => _host.Services.GetRequiredService<Actors.GcsActorManager>().Stop();

    public ValueTask DisposeAsync()
    {
        BeginShutdown();
        return _host.DisposeAsync();
    }
}
