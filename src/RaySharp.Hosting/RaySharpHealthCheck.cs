using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace RaySharp.Hosting;

/// <summary>
/// Reports whether the cluster this process's driver belongs to is reachable: Healthy when its GCS lists the
/// nodes within <see cref="RaySharpOptions.HealthCheckTimeout"/> and at least one is alive; the registration's
/// failure status (Unhealthy by default) when Ray is not initialized, the GCS does not answer in time or fails,
/// or no node is alive. The result's data: <c>address</c> (the GCS), <c>jobId</c>, <c>nodesAlive</c> and
/// <c>nodesDead</c> (when the GCS answered).
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddRaySharp();
/// builder.Services.AddHealthChecks().AddCheck&lt;RaySharpHealthCheck&gt;("raysharp");
/// app.MapHealthChecks("/healthz");
/// </code>
/// </example>
/// <param name="options">The RaySharp options (for the timeout).</param>
public sealed class RaySharpHealthCheck(IOptions<RaySharpOptions> options) : IHealthCheck
{
    /// <summary>Asks the cluster's GCS for its nodes, waiting at most the configured timeout.</summary>
    /// <param name="context">The registration being checked (its failure status is used).</param>
    /// <param name="cancellationToken">Ends the wait (the health check service's own timeout).</param>
    /// <returns>The cluster's health, with its address and node counts.</returns>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failure = context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        RuntimeContext ray;
        try
        {
            ray = Ray.GetRuntimeContext();
        }
        catch (InvalidOperationException)
        {
            return new HealthCheckResult(failure, "RaySharp is not initialized: the host has not started its driver yet, or has stopped it.");
        }
        var data = new Dictionary<string, object> { ["address"] = ray.GcsAddress, ["jobId"] = ray.JobId };
        var timeout = options.Value.HealthCheckTimeout;
        try
        {
            var nodes = await ClusterProbe.NodesAsync(ray.WorkerId).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            var alive = nodes.Count(n => n.Alive);
            data["nodesAlive"] = alive;
            data["nodesDead"] = nodes.Count - alive;
            return alive > 0
                ? HealthCheckResult.Healthy($"The cluster at {ray.GcsAddress} answered: {alive} node(s) alive.", data)
                : new HealthCheckResult(failure, $"The cluster's GCS at {ray.GcsAddress} answered, but lists no live node.", data: data);
        }
        catch (TimeoutException)
        {
            return new HealthCheckResult(failure, $"The cluster's GCS at {ray.GcsAddress} did not answer within {timeout.TotalSeconds:0.#} s.", data: data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A RayException when the GCS stayed unreachable; an RPC error or a disposed channel when it refused the
            // call or the driver shut down under the read. A health check reports them all rather than throwing.
            return new HealthCheckResult(failure, $"The cluster at {ray.GcsAddress} could not be reached: {ex.Message}", ex, data);
        }
    }
}
