using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace RaySharp.Dashboard.State;

/// <summary>
/// Ray's state API under /api/v0: <c>GET /api/v0/{nodes|actors|tasks|objects|jobs|workers|cluster_events}</c> with
/// <c>filter</c>, <c>limit</c> and <c>detail</c>, and <c>GET /api/v0/{tasks|actors|objects}/summarize</c>, and
/// for the dashboard's chart <c>GET /api/v0/tasks/throughput</c> (tasks ended per 5 s over the last 5 minutes). Replies use
/// Ray's envelope, <c>{"result": true, "msg": "", "data": {"result": ...}}</c>; a bad query is a 400 with
/// <c>result: false</c> and the reason in <c>msg</c>; the GCS unreachable is a 503.
/// </summary>
internal sealed class StateModule : IDashboardModule
{
    public void ConfigureServices(IServiceCollection services, DashboardOptions options) => services.AddSingleton<StateSources>();

    public void Map(IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v0");
        MapList(api, "nodes", async (s, ct) => (await s.NodeRowsAsync(ct).ConfigureAwait(false), null));
        MapList(api, "actors", async (s, ct) => (await s.ActorRowsAsync(ct).ConfigureAwait(false), null));
        MapList(api, "tasks", async (s, ct) => (await s.TaskRowsAsync(ct).ConfigureAwait(false), null));
        MapList(api, "jobs", async (s, ct) => (await s.JobRowsAsync(ct).ConfigureAwait(false), null));
        MapList(api, "workers", (s, ct) => s.WorkerRowsAsync(ct));
        MapList(api, "objects", (s, ct) => s.ObjectRowsAsync(ct));
        MapList(api, "cluster_events", async (s, ct) => (await s.ClusterEventRowsAsync(ct).ConfigureAwait(false), null));
        api.MapGet("/tasks/summarize", (StateSources s, CancellationToken ct) => Answer(async () => StateSummaries.Tasks(await s.TaskRowsAsync(ct).ConfigureAwait(false))));
        api.MapGet("/tasks/throughput", (StateSources s, CancellationToken ct) => Answer(async () =>
            TaskThroughput.Of(await s.TaskRowsAsync(ct).ConfigureAwait(false), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));
        api.MapGet("/actors/summarize", (StateSources s, CancellationToken ct) => Answer(async () => StateSummaries.Actors(await s.ActorRowsAsync(ct).ConfigureAwait(false))));
        api.MapGet("/objects/summarize", (StateSources s, CancellationToken ct) => Answer(async () => StateSummaries.Objects((await s.ObjectRowsAsync(ct).ConfigureAwait(false)).Rows)));
    }

    private static void MapList(RouteGroupBuilder api, string resource, Func<StateSources, CancellationToken, Task<(List<StateRow> Rows, string? Warning)>> source) =>
        api.MapGet("/" + resource, (HttpRequest request, StateSources s, CancellationToken ct) => Answer(async () =>
        {
            var query = StateQuery.Parse(request.Query);
            var (rows, warning) = await source(s, ct).ConfigureAwait(false);
            return query.Apply(rows, warning);
        }));

    private static async Task<IResult> Answer(Func<Task<object>> handler)
    {
        try
        {
            return Results.Json(new Dictionary<string, object?>
            {
                ["result"] = true,
                ["msg"] = "",
                ["data"] = new Dictionary<string, object?> { ["result"] = await handler().ConfigureAwait(false) },
            });
        }
        catch (StateQueryException ex)
        {
            return Results.Json(new Dictionary<string, object?> { ["result"] = false, ["msg"] = ex.Message, ["data"] = null }, statusCode: 400);
        }
        catch (Grpc.Core.RpcException ex)
        {
            return Results.Json(new Dictionary<string, object?> { ["result"] = false, ["msg"] = $"The GCS did not answer: {ex.Status.Detail}", ["data"] = null }, statusCode: 503);
        }
    }
}
