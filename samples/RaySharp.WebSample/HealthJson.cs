using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RaySharp.WebSample;

/// <summary>Writes a health report as JSON (status, and each check's description and data), for /healthz.</summary>
public static class HealthJson
{
    /// <summary>The response writer for MapHealthChecks.</summary>
    /// <param name="context">The request.</param>
    /// <param name="report">The checks' results.</param>
    /// <returns>The write.</returns>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
