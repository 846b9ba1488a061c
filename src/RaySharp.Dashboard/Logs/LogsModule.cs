using System.Text;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RaySharp.Protocol;

namespace RaySharp.Dashboard.Logs;

/// <summary>
/// Ray's log API: <c>GET /api/v0/logs[?node_id=]</c> lists each live node's logs (Ray's envelope);
/// <c>GET /api/v0/logs/file?...</c> answers the last <c>lines</c> (default 1000) of what a request names as text, and
/// <c>GET /api/v0/logs/stream?...</c> the same and then what is appended, for as long as the client reads. Several files
/// (a job's workers) are merged line by line, each line prefixed with <c>(pid=N, ip=X)</c> as Ray's driver prints
/// worker output; a job's lines carry the prefix even when one worker wrote them all. The nodes' raylets read the files (<c>NodeManager.StreamLog</c>).
/// </summary>
internal sealed class LogsModule : IDashboardModule
{
    private const int DefaultLines = 1000;

    public void ConfigureServices(IServiceCollection services, DashboardOptions options) => services.AddSingleton<LogTargets>();

    public void Map(IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v0/logs");
        api.MapGet("", ListAsync);
        api.MapGet("/file", (HttpContext context, LogTargets targets) => ReadAsync(context, targets, follow: false));
        api.MapGet("/stream", (HttpContext context, LogTargets targets) => ReadAsync(context, targets, follow: true));
    }

    private static async Task<IResult> ListAsync(HttpRequest request, LogTargets targets, CancellationToken cancellationToken)
    {
        try
        {
            var nodeId = request.Query["node_id"].FirstOrDefault();
            var result = new Dictionary<string, object>();
            foreach (var node in await targets.AliveNodesAsync(string.IsNullOrWhiteSpace(nodeId) ? null : nodeId, cancellationToken).ConfigureAwait(false))
            {
                var files = await LogTargets.Raylet(node).ListLogsAsync(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken).ConfigureAwait(false);
                result[State.StateRows.Id(node.NodeId)] = files.Files.Select(f => new Dictionary<string, object> { ["name"] = f.Name, ["size"] = f.Size, ["modified_ms"] = f.ModifiedMs }).ToList();
            }
            return Results.Json(new Dictionary<string, object?> { ["result"] = true, ["msg"] = "", ["data"] = new Dictionary<string, object?> { ["result"] = result } });
        }
        catch (LogQueryException ex)
        {
            return Results.Json(new Dictionary<string, object?> { ["result"] = false, ["msg"] = ex.Message, ["data"] = null }, statusCode: ex.StatusCode);
        }
        catch (RpcException ex)
        {
            return Results.Json(new Dictionary<string, object?> { ["result"] = false, ["msg"] = $"The cluster did not answer: {ex.Status.Detail}", ["data"] = null }, statusCode: 503);
        }
    }

    private static async Task ReadAsync(HttpContext context, LogTargets targets, bool follow)
    {
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        List<LogTarget> files;
        int lines;
        try
        {
            lines = Lines(context.Request.Query);
            files = await targets.ResolveAsync(context.Request.Query, cancellationToken).ConfigureAwait(false);
        }
        catch (LogQueryException ex)
        {
            await Refuse(response, ex.StatusCode, ex.Message, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (RpcException ex)
        {
            await Refuse(response, 503, $"The cluster did not answer: {ex.Status.Detail}", cancellationToken).ConfigureAwait(false);
            return;
        }
        response.ContentType = "text/plain; charset=utf-8";
        // Sent at once, so a follower sees the stream open before the first line arrives.
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A job's output is labelled even when one worker wrote all of it, as Ray's driver prints every worker's line.
            if (files.Count == 1 && string.IsNullOrWhiteSpace(context.Request.Query["job_id"].FirstOrDefault()))
            {
                await CopyAsync(files[0], lines, follow, response, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await MergeAsync(files, lines, follow, response, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            // The headers are gone: the reason ends the text instead.
            await response.WriteAsync($"\n[raysharp: reading the log stopped: {ex.Status.Detail}]\n", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException)
        {
            // The client went away.
        }
    }

    private static async Task CopyAsync(LogTarget file, int lines, bool follow, HttpResponse response, CancellationToken cancellationToken)
    {
        using var call = Open(file, lines, follow, cancellationToken);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await response.Body.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Each file's lines are cut at newlines and written whole with their label, so lines of two workers never mix.
    private static async Task MergeAsync(List<LogTarget> files, int lines, bool follow, HttpResponse response, CancellationToken cancellationToken)
    {
        var merged = Channel.CreateBounded<string>(new BoundedChannelOptions(1024) { SingleReader = true });
        var readers = files.Select(async file =>
        {
            using var call = Open(file, lines, follow, cancellationToken);
            var partial = new StringBuilder();
            var decoder = Encoding.UTF8.GetDecoder();
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var chars = new char[Encoding.UTF8.GetMaxCharCount(chunk.Data.Length)];
                partial.Append(chars, 0, decoder.GetChars(chunk.Data.Span, chars, flush: false));
                var text = partial.ToString();
                var end = text.LastIndexOf('\n');
                if (end >= 0)
                {
                    foreach (var line in text[..end].Split('\n'))
                    {
                        await merged.Writer.WriteAsync($"({file.Label}) {line}\n", cancellationToken).ConfigureAwait(false);
                    }
                    partial.Clear().Append(text, end + 1, text.Length - end - 1);
                }
            }
            if (partial.Length > 0)
            {
                await merged.Writer.WriteAsync($"({file.Label}) {partial}\n", cancellationToken).ConfigureAwait(false);
            }
        }).ToList();
        var done = Task.WhenAll(readers).ContinueWith(t => merged.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await foreach (var line in merged.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await response.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            if (merged.Reader.Count == 0)
            {
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await done.ConfigureAwait(false);
    }

    private static AsyncServerStreamingCall<LogChunk> Open(LogTarget file, int lines, bool follow, CancellationToken cancellationToken) =>
        LogTargets.Raylet(file.Node).StreamLog(new StreamLogRequest { Name = file.Name, TailLines = lines, Follow = follow }, cancellationToken: cancellationToken);

    private static int Lines(IQueryCollection query)
    {
        var text = query["lines"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultLines;
        }
        return int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= -1
            ? n
            : throw new LogQueryException(400, $"lines must be a whole number (-1: the whole file), not '{text}'.");
    }

    private static async Task Refuse(HttpResponse response, int status, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(message + "\n", cancellationToken).ConfigureAwait(false);
    }
}
