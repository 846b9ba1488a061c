using Microsoft.Extensions.Hosting;

namespace RaySharp.Common.Transport;

/// <summary>
/// A host lifetime that leaves process signals alone. ASP.NET Core's default console lifetime
/// catches SIGTERM and Ctrl+C and blocks the process until the host stops, which kept drivers
/// alive on a kill; RaySharp's servers live as long as their process, which decides for itself.
/// </summary>
internal sealed class ProcessLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
