using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RaySharp.Common.Jobs;

namespace RaySharp.Dashboard.Jobs;

/// <summary>
/// The job API (Ray's job REST API, same paths and field names): submit, list, details, logs, a live log
/// tail, stop and delete under /api/jobs/, and working-directory packages under /api/packages/. Errors are
/// JSON <c>{"error": "..."}</c>: 400 for a bad request (bad JSON, a taken submission id), 404 for an unknown job.
/// </summary>
internal sealed class JobsModule : IDashboardModule
{
    // A submission is a command line and a few maps; anything bigger is not one.
    private const int MaxSubmitBytes = 1 << 20;

    public void ConfigureServices(IServiceCollection services, DashboardOptions options)
    {
        services.AddSingleton<GcsKv>();
        services.AddSingleton<JobInfoStore>();
        services.AddSingleton<PackageStore>();
        services.AddSingleton<JobManager>();
        services.AddHostedService(s => s.GetRequiredService<JobManager>());
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        var jobs = routes.MapGroup("/api/jobs");
        jobs.MapPost("/", (HttpRequest request, JobManager manager, CancellationToken ct) => Answer(async () =>
            Results.Json(await manager.SubmitAsync(await ReadSubmissionAsync(request, ct).ConfigureAwait(false), ct).ConfigureAwait(false))));
        jobs.MapGet("/", (JobManager manager, CancellationToken ct) => Answer(async () => Results.Json(await manager.ListAsync(ct).ConfigureAwait(false))));
        jobs.MapGet("/{id}", (string id, JobManager manager, CancellationToken ct) => Answer(async () => Results.Json(await manager.GetAsync(id, ct).ConfigureAwait(false))));
        jobs.MapGet("/{id}/logs", (string id, JobManager manager, DashboardOptions options, CancellationToken ct) => Answer(async () =>
        {
            await manager.GetAsync(id, ct).ConfigureAwait(false);
            var file = JobSupervisor.LogFile(options, id);
            return Results.Json(new JobLogsReply(File.Exists(file) ? await ReadSharedAsync(file, ct).ConfigureAwait(false) : ""));
        }));
        jobs.MapGet("/{id}/logs/tail", (string id, HttpContext context, JobManager manager, DashboardOptions options) => Answer(async () =>
        {
            await manager.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
            // Chunked text, each chunk as the driver wrote it; the response ends when the job has.
            return Results.Stream(output => JobLogTail.CopyAsync(JobSupervisor.LogFile(options, id), t => manager.HasEndedAsync(id, t), output, context.RequestAborted),
                "text/plain; charset=utf-8");
        }));
        jobs.MapPost("/{id}/stop", (string id, JobManager manager, CancellationToken ct) => Answer(async () =>
            Results.Json(new JobStopReply(await manager.StopAsync(id, ct).ConfigureAwait(false)))));
        jobs.MapDelete("/{id}", (string id, JobManager manager, CancellationToken ct) => Answer(async () =>
        {
            await manager.DeleteAsync(id, ct).ConfigureAwait(false);
            return Results.Json(new JobDeleteReply(true));
        }));

        var packages = routes.MapGroup("/api/packages/{protocol}/{name}");
        packages.MapGet("/", (string protocol, string name, PackageStore store, CancellationToken ct) => Answer(async () =>
        {
            CheckProtocol(protocol);
            return await store.ExistsAsync(name, ct).ConfigureAwait(false) ? Results.Ok() : Results.Json(new JobApiError($"Package {name} is not stored."), statusCode: 404);
        }));
        packages.MapPut("/", (string protocol, string name, HttpRequest request, PackageStore store, CancellationToken ct) => Answer(async () =>
        {
            CheckProtocol(protocol);
            var zip = await ReadBodyAsync(request, WorkingDirPackage.MaxBytes, "a working_dir package", ct).ConfigureAwait(false);
            await store.PutAsync(name, zip, ct).ConfigureAwait(false);
            return Results.Ok();
        }));
    }

    /// <summary>Runs a handler; a refusal becomes its status code and message.</summary>
    private static async Task<IResult> Answer(Func<Task<IResult>> handler)
    {
        try
        {
            return await handler().ConfigureAwait(false);
        }
        catch (JobApiException ex)
        {
            return Results.Json(new JobApiError(ex.Message), statusCode: ex.StatusCode);
        }
    }

    private static void CheckProtocol(string protocol)
    {
        if (protocol != "gcs")
        {
            throw JobApiException.BadRequest($"Packages are stored in the GCS: the protocol is 'gcs', not '{protocol}'.");
        }
    }

    private static async Task<JobSubmitBody> ReadSubmissionAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var bytes = await ReadBodyAsync(request, MaxSubmitBytes, "a job submission", cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<JobSubmitBody>(bytes) ?? throw JobApiException.BadRequest("The request body is JSON null: send a job submission object.");
        }
        catch (JsonException ex)
        {
            throw JobApiException.BadRequest($"The request body is not a valid job submission (JSON with entrypoint, submission_id, runtime_env, metadata): {ex.Message}");
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, long limit, string what, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw new JobApiException(StatusCodes.Status413PayloadTooLarge, $"{what} may be at most {limit} bytes, not {request.ContentLength}.");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new JobApiException(StatusCodes.Status413PayloadTooLarge, $"{what} may be at most {limit} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static async Task<string> ReadSharedAsync(string file, CancellationToken cancellationToken)
    {
        // The entrypoint may be writing it right now.
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
