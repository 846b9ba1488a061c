using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RaySharp.Hosting;

/// <summary>
/// The driver's lifetime in a host: Ray.Init in <see cref="StartingAsync"/>, before every hosted service's StartAsync
/// (Kestrel's too, so no request arrives before Ray is up), and Ray.Shutdown in <see cref="StoppedAsync"/>, after
/// every StopAsync (requests in flight have drained). Ray is process-global, so one host at a time owns it.
/// </summary>
internal sealed class RaySharpHostedService(IOptions<RaySharpOptions> options, ILoggerFactory loggerFactory) : IHostedLifecycleService, IAsyncDisposable
{
    // The host whose driver runs now. A second host in the process fails to start instead of sharing or
    // replacing the first one's driver (Ray.Init is one per process, as in Ray).
    private static RaySharpHostedService? s_owner;

    private readonly ILogger _log = loggerFactory.CreateLogger("RaySharp.Hosting");
    private string? _jobId;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref s_owner, this, null) is not null)
        {
            throw new InvalidOperationException(
                "Another host in this process already started RaySharp: Ray is one driver per process. Stop that host first, or share its driver.");
        }
        try
        {
            if (Ray.IsInitialized)
            {
                throw new InvalidOperationException(
                    "Ray.Init was already called in this process, outside the host: Ray is one driver per process. " +
                    "Remove that call (AddRaySharp initializes Ray as the host starts), or call Ray.Shutdown before starting the host.");
            }
            var config = options.Value.ToRayConfig(loggerFactory);
            // Read before Init: a local cluster sets RAYSHARP_ADDRESS to its own address for the programs it starts.
            var joinsNamed = config.ResolvedAddress is not null;
            try
            {
                // Init blocks (seconds, bounded: an unreachable address fails within seconds): not on the caller's thread.
                await Task.Run(() => Ray.Init(config), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                HostingLog.InitFailed(_log, ex);
                throw;
            }
            var context = Ray.GetRuntimeContext();
            _jobId = context.JobId;
            // Or Init found a head the CLI started on this machine (a plain Init joins it, as Ray's ray.init()).
            if (joinsNamed || config.DetectedAddress is not null)
            {
                HostingLog.Joined(_log, context.JobId, context.GcsAddress);
            }
            else
            {
                HostingLog.StartedLocal(_log, context.JobId, context.GcsAddress);
            }
        }
        catch
        {
            Interlocked.CompareExchange(ref s_owner, null, this);
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => ShutdownAsync();

    /// <summary>A host whose start failed after Ray.Init (another hosted service threw) is disposed without being stopped: the driver goes then.</summary>
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    private async Task ShutdownAsync()
    {
        if (!ReferenceEquals(Volatile.Read(ref s_owner), this))
        {
            return;
        }
        try
        {
            // Shutdown ends this driver's job (and a local cluster's processes): seconds of blocking work.
            await Task.Run(Ray.Shutdown).ConfigureAwait(false);
            if (_jobId is not null)
            {
                HostingLog.ShutDown(_log, _jobId);
            }
        }
        finally
        {
            Interlocked.CompareExchange(ref s_owner, null, this);
        }
    }
}
