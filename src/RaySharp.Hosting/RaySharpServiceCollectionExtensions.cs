using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RaySharp.Hosting;

/// <summary>Adds RaySharp to a host (Microsoft.Extensions.Hosting, ASP.NET Core).</summary>
public static class RaySharpServiceCollectionExtensions
{
    /// <summary>
    /// Makes this host a RaySharp driver: <see cref="Ray.Init(RayConfig)"/> runs as the host starts, before any other
    /// hosted service (so they, and request handlers, can submit tasks), and <see cref="Ray.Shutdown"/> as it stops,
    /// after all of them. The settings come from the <c>"RaySharp"</c> configuration section (see
    /// <see cref="RaySharpOptions"/>), then from <paramref name="configure"/>; the driver's runtime log goes to the
    /// host's <see cref="Microsoft.Extensions.Logging.ILoggerFactory"/>. Add <see cref="RaySharpHealthCheck"/> to
    /// report the cluster's reachability.
    /// </summary>
    /// <remarks>
    /// Ray is one driver per process: starting the host fails with <see cref="InvalidOperationException"/> when
    /// <c>Ray.Init</c> was already called in the process, or another host in it started RaySharp.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Settings applied after the configuration section, e.g. <c>o =&gt; o.Address = "10.0.0.5:6379"</c>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="InvalidOperationException">AddRaySharp was already called on these services.</exception>
    public static IServiceCollection AddRaySharp(this IServiceCollection services, Action<RaySharpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(RaySharpMarker)))
        {
            // Two calls would start one driver with settings merged from both: say so instead.
            throw new InvalidOperationException(
                "AddRaySharp was already called on these services. Ray is one driver per process: call AddRaySharp once, " +
                "with every setting in its delegate or in the \"RaySharp\" configuration section.");
        }
        services.AddSingleton<RaySharpMarker>();
        var options = services.AddOptions<RaySharpOptions>().BindConfiguration(RaySharpOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }
        // Bad settings fail the host's start, before Ray.Init, with the key that is wrong.
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RaySharpOptions>, RaySharpOptionsValidator>());
        services.AddHostedService<RaySharpHostedService>();
        return services;
    }

    /// <summary>Marks services to which AddRaySharp was added.</summary>
    private sealed class RaySharpMarker;
}
