using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Jobs;
using RaySharp.Common.Logging;
using RaySharp.Common.Security;

namespace RaySharp.Dashboard;

/// <summary>
/// The cluster token on every /api request (the job API runs commands on the head: DESIGN §9): without
/// <c>Authorization: Bearer &lt;token&gt;</c>, or with another token, the answer is 401 before any module
/// sees the request; compared in constant time, refusals logged (throttled per peer). A cluster with
/// authentication disabled checks nothing, as its gRPC services do.
/// </summary>
/// <remarks>
/// The dashboard's pages keep the token the user typed in the <see cref="CookieName"/> cookie, which the server
/// accepts for reads (GET and HEAD) only: a cookie rides along with requests another site's page makes, so a
/// write (submitting a job runs a command) must carry the header, which no other site can set. The pages
/// themselves (under /, outside /api) hold no data and are served without the token.
/// </remarks>
internal sealed class ApiAuthentication(string? token, ILogger logger)
{
    /// <summary>The cookie the pages keep the token in.</summary>
    public const string CookieName = "raysharp_token";

    private readonly LogThrottle _warnings = new(TimeSpan.FromSeconds(10));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (token is null || !context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var header = context.Request.Headers.Authorization;
        var given = header.Count == 1 && header[0] is { } value && value.StartsWith(CallGuard.BearerPrefix, StringComparison.Ordinal)
            ? value[CallGuard.BearerPrefix.Length..]
            : null;
        if (given is null && header.Count == 0 && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            && context.Request.Cookies.TryGetValue(CookieName, out var cookie))
        {
            given = cookie;
        }
        if (AuthToken.Matches(given, token))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var peer = context.Connection.RemoteIpAddress?.ToString() ?? "?";
        if (_warnings.Allow(peer, out _))
        {
            DashboardLog.Unauthenticated(logger, peer, context.Request.Path, given is null && header.Count == 0 ? "no token" : "a wrong token");
        }
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Json(new JobApiError(given is null && header.Count == 0
                ? "This RaySharp cluster requires its auth token: send 'Authorization: Bearer <token>' (get it with 'raysharp get-auth-token' on the head; the raysharp CLI and JobSubmissionClient read RAYSHARP_AUTH_TOKEN)."
                : "This RaySharp cluster refused the request's auth token (not this cluster's). Get the right one with 'raysharp get-auth-token' on the head."),
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context).ConfigureAwait(false);
    }
}
