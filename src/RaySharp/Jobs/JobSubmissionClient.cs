using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using RaySharp.Common.Jobs;
using RaySharp.Common.Security;

namespace RaySharp;

/// <summary>
/// Submits and manages jobs on a cluster through its job API (Ray's <c>JobSubmissionClient</c>), over HTTP to the
/// head's dashboard (<c>http://HEAD:8265</c>). A job is a shell command (its entrypoint) that runs on the head as a
/// driver: a plain <c>Ray.Init()</c> in it joins the cluster. Jobs outlive the client that submitted them.
/// </summary>
/// <example>
/// <code>
/// using var client = new JobSubmissionClient("http://127.0.0.1:8265");
/// var id = await client.SubmitJobAsync("dotnet MyApp.dll", runtimeEnv: new JobRuntimeEnv { WorkingDir = "bin/Release/net10.0" });
/// await foreach (var text in client.TailJobLogsAsync(id)) Console.Write(text);
/// Console.WriteLine(await client.GetJobStatusAsync(id));   // Succeeded
/// </code>
/// </example>
public sealed class JobSubmissionClient : IDisposable
{
    // Long enough for a loaded head to answer; a dead address fails at connect, well before it.
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;

    /// <summary>Creates a client of the job API at <paramref name="address"/>.</summary>
    /// <param name="address">The dashboard's URL, e.g. <c>http://127.0.0.1:8265</c> (a bare HOST:PORT means http).</param>
    /// <param name="authToken">The cluster's token; null reads it as drivers do: RAYSHARP_AUTH_TOKEN, RAYSHARP_AUTH_TOKEN_PATH, then ~/.raysharp/auth_token (none: requests go without one).</param>
    /// <exception cref="ArgumentException">The address is not an http(s) URL or HOST:PORT, or the token is not usable.</exception>
    public JobSubmissionClient(string address, string? authToken = null)
    {
        _http = DashboardHttp.Create(address, authToken, s_requestTimeout, "job API");
        Address = _http.BaseAddress!.ToString();
    }

    /// <summary>The job API's base URL.</summary>
    public string Address { get; }

    /// <summary>
    /// Submits a job: uploads <see cref="JobRuntimeEnv.WorkingDir"/> (once per content), then asks the head to run
    /// <paramref name="entrypoint"/> there. Returns at once; the job runs on without this client.
    /// </summary>
    /// <param name="entrypoint">The shell command, e.g. <c>dotnet MyApp.dll --epochs 3</c>.</param>
    /// <param name="submissionId">The job's id; null lets the head make one. An id already used is refused.</param>
    /// <param name="runtimeEnv">Working directory and environment variables of the entrypoint.</param>
    /// <param name="metadata">Strings kept with the job and reported with it.</param>
    /// <param name="cancellationToken">Cancels the submission (a job the head accepted runs on).</param>
    /// <returns>The job's submission id.</returns>
    /// <exception cref="ArgumentException">The entrypoint is empty, or the working directory does not exist or is too large.</exception>
    /// <exception cref="JobSubmissionException">The head refused the job (e.g. a taken id) or could not be reached.</exception>
    public async Task<string> SubmitJobAsync(string entrypoint, string? submissionId = null, JobRuntimeEnv? runtimeEnv = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entrypoint);
        if (submissionId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(submissionId);
        }
        string? workingDir = null;
        if (runtimeEnv?.WorkingDir is { } directory)
        {
            workingDir = await UploadWorkingDirAsync(directory, cancellationToken).ConfigureAwait(false);
        }
        var body = new JobSubmitBody
        {
            Entrypoint = entrypoint,
            SubmissionId = submissionId,
            Metadata = metadata?.ToDictionary(StringComparer.Ordinal),
            RuntimeEnv = runtimeEnv is null ? null : new JobRuntimeEnvBody { WorkingDir = workingDir, EnvVars = runtimeEnv.EnvVars.ToDictionary(StringComparer.Ordinal) },
        };
        var reply = await SendAsync<JobSubmitReply>(HttpMethod.Post, "api/jobs/", JsonContent.Create(body), cancellationToken).ConfigureAwait(false);
        return reply.SubmissionId;
    }

    /// <summary>The job's status.</summary>
    /// <param name="submissionId">The job's submission id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Where the job is.</returns>
    /// <exception cref="JobSubmissionException">No such job (404), or the head could not be reached.</exception>
    public async Task<JobStatus> GetJobStatusAsync(string submissionId, CancellationToken cancellationToken = default) =>
        (await GetJobInfoAsync(submissionId, cancellationToken).ConfigureAwait(false)).Status;

    /// <summary>Everything the head knows of the job.</summary>
    /// <param name="submissionId">The job's submission id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job's details.</returns>
    /// <exception cref="JobSubmissionException">No such job (404), or the head could not be reached.</exception>
    public async Task<JobDetails> GetJobInfoAsync(string submissionId, CancellationToken cancellationToken = default) =>
        ToDetails(await SendAsync<JobInfoRecord>(HttpMethod.Get, JobPath(submissionId), null, cancellationToken).ConfigureAwait(false));

    /// <summary>Every job the cluster keeps a record of (running or ended, until deleted).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The jobs.</returns>
    /// <exception cref="JobSubmissionException">The head could not be reached or refused the request.</exception>
    public async Task<IReadOnlyList<JobDetails>> ListJobsAsync(CancellationToken cancellationToken = default) =>
        [.. (await SendAsync<List<JobInfoRecord>>(HttpMethod.Get, "api/jobs/", null, cancellationToken).ConfigureAwait(false)).Select(ToDetails)];

    /// <summary>What the job's driver printed so far (stdout and stderr).</summary>
    /// <param name="submissionId">The job's submission id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The driver's output.</returns>
    /// <exception cref="JobSubmissionException">No such job (404), or the head could not be reached.</exception>
    public async Task<string> GetJobLogsAsync(string submissionId, CancellationToken cancellationToken = default) =>
        (await SendAsync<JobLogsReply>(HttpMethod.Get, JobPath(submissionId) + "/logs", null, cancellationToken).ConfigureAwait(false)).Logs;

    /// <summary>
    /// The driver's output as it is written: what is there already, then each new piece as it comes (a chunk of
    /// text, possibly several lines); ends when the job has ended and everything it printed was returned.
    /// </summary>
    /// <param name="submissionId">The job's submission id.</param>
    /// <param name="cancellationToken">Stops following.</param>
    /// <returns>The output, chunk by chunk.</returns>
    /// <exception cref="JobSubmissionException">No such job (404), or the head could not be reached.</exception>
    public async IAsyncEnumerable<string> TailJobLogsAsync(string submissionId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, JobPath(submissionId) + "/logs/tail");
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        // A character split across two chunks is held back until its last byte arrives.
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[16 * 1024];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        int read;
        while ((read = await stream.ReadAsync(bytes, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            if (count > 0)
            {
                yield return new string(chars, 0, count);
            }
        }
    }

    /// <summary>Stops the job: SIGTERM to its entrypoint's processes, SIGKILL 3 s later; its driver's tasks and actors end with it.</summary>
    /// <param name="submissionId">The job's submission id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True when the job was running (or pending) and is being stopped; false when it had already ended.</returns>
    /// <exception cref="JobSubmissionException">No such job (404), or the head could not be reached.</exception>
    public async Task<bool> StopJobAsync(string submissionId, CancellationToken cancellationToken = default) =>
        (await SendAsync<JobStopReply>(HttpMethod.Post, JobPath(submissionId) + "/stop", null, cancellationToken).ConfigureAwait(false)).Stopped;

    /// <summary>Deletes an ended job's record and logs.</summary>
    /// <param name="submissionId">The job's submission id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes once the job is deleted.</returns>
    /// <exception cref="JobSubmissionException">No such job (404), the job has not ended (400), or the head could not be reached.</exception>
    public async Task DeleteJobAsync(string submissionId, CancellationToken cancellationToken = default) =>
        await SendAsync<JobDeleteReply>(HttpMethod.Delete, JobPath(submissionId), null, cancellationToken).ConfigureAwait(false);

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose() => _http.Dispose();

    private async Task<string> UploadWorkingDirAsync(string directory, CancellationToken cancellationToken)
    {
        var zip = WorkingDirPackage.Create(directory);
        var name = WorkingDirPackage.NameOf(zip);
        var path = $"api/packages/gcs/{name}";
        using (var probe = new HttpRequestMessage(HttpMethod.Get, path))
        using (var found = await SendRawAsync(probe, HttpCompletionOption.ResponseContentRead, cancellationToken, allowNotFound: true).ConfigureAwait(false))
        {
            if (found.StatusCode == HttpStatusCode.OK)
            {
                return WorkingDirPackage.UriOf(name);
            }
        }
        using var upload = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(zip) };
        using var stored = await SendRawAsync(upload, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return WorkingDirPackage.UriOf(name);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(cancellationToken).ConfigureAwait(false)
                ?? throw new JobSubmissionException($"The job API at {Address} answered {path} with JSON null.", response.StatusCode);
        }
        catch (JsonException ex)
        {
            throw new JobSubmissionException($"The job API at {Address} answered {path} with something else than its JSON: {ex.Message}", response.StatusCode, ex);
        }
    }

    /// <summary>Sends a request; any answer but success (or 404 when allowed) becomes a <see cref="JobSubmissionException"/> with the server's message.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken, bool allowNotFound = false)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new JobSubmissionException($"No job API answered at {Address} ({ex.Message}). Is the head's dashboard running (raysharp start --head prints its URL)?", null, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new JobSubmissionException($"The job API at {Address} did not answer within {s_requestTimeout.TotalSeconds:0} s.", null, ex);
        }
        if (response.IsSuccessStatusCode || (allowNotFound && response.StatusCode == HttpStatusCode.NotFound))
        {
            return response;
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            string? message = null;
            try
            {
                message = JsonSerializer.Deserialize<JobApiError>(text)?.Error;
            }
            catch (JsonException)
            {
            }
            throw new JobSubmissionException(message ?? $"The job API at {Address} answered {(int)response.StatusCode} {response.ReasonPhrase}: {text}", response.StatusCode);
        }
    }

    private static string JobPath(string submissionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(submissionId);
        return "api/jobs/" + Uri.EscapeDataString(submissionId);
    }

    private JobDetails ToDetails(JobInfoRecord record) => new(
        record.SubmissionId,
        Enum.TryParse<JobStatus>(record.Status, ignoreCase: true, out var status) ? status
            : throw new JobSubmissionException($"The job API at {Address} reported job {record.SubmissionId} in an unknown status '{record.Status}'."),
        record.Entrypoint,
        record.Message,
        DateTimeOffset.FromUnixTimeMilliseconds(record.StartTime),
        record.EndTime is { } end ? DateTimeOffset.FromUnixTimeMilliseconds(end) : null,
        record.Metadata,
        record.DriverExitCode,
        record.RuntimeEnv?.WorkingDir,
        record.RuntimeEnv?.EnvVars ?? []);
}
