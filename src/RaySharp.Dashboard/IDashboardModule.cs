using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace RaySharp.Dashboard;

/// <summary>
/// One part of the head's HTTP server (Ray's dashboard modules: jobs, the state API, the pages):
/// it adds its services and maps its routes. Every route under /api passes the server's token check first.
/// </summary>
internal interface IDashboardModule
{
    /// <summary>Adds the module's services (an <c>IHostedService</c> among them runs for the server's lifetime).</summary>
    void ConfigureServices(IServiceCollection services, DashboardOptions options);

    /// <summary>Maps the module's routes.</summary>
    void Map(IEndpointRouteBuilder routes);
}
