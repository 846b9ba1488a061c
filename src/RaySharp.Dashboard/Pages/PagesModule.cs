using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace RaySharp.Dashboard.Pages;

/// <summary>
/// The dashboard's pages (Ray's dashboard UI): one page of plain HTML, CSS and JavaScript, embedded in this
/// assembly so the head needs no files beside it and no CDN. The page reads the JSON APIs (the state API, the job
/// API) about once a second. The files hold no cluster data, so they are served without the token; every /api
/// call they make still needs it (the page asks for it once and keeps it in a cookie: <see cref="ApiAuthentication"/>).
/// </summary>
internal sealed class PagesModule : IDashboardModule
{
    private const string Prefix = "wwwroot/";

    private static readonly Dictionary<string, string> s_contentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private readonly Dictionary<string, byte[]> _files = Load();

    public void ConfigureServices(IServiceCollection services, DashboardOptions options)
    {
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", (HttpContext context) => Serve(context, "index.html"));
        routes.MapGet("/static/{name}", (string name, HttpContext context) => Serve(context, name));
    }

    private IResult Serve(HttpContext context, string name)
    {
        if (!_files.TryGetValue(name, out var bytes))
        {
            return Results.NotFound();
        }
        var headers = context.Response.Headers;
        // Everything the page runs comes from this server: no inline script, nothing from elsewhere.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        // A new head version brings new files: the browser asks each time (they are small, and local).
        headers.CacheControl = "no-cache";
        return Results.Bytes(bytes, s_contentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
    }

    private static Dictionary<string, byte[]> Load()
    {
        var assembly = typeof(PagesModule).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[Prefix.Length..]] = copy.ToArray();
        }
        return files;
    }
}
