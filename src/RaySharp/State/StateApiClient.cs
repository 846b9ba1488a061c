using System.Net;
using System.Text;
using System.Text.Json;

namespace RaySharp.State;

/// <summary>
/// A client of a head's state API (Ray's <c>ray.util.state</c>: list_nodes, list_actors, list_tasks, summarize_tasks,
/// ...), served by the dashboard under /api/v0. <c>raysharp list|get|summary</c> use it.
/// <code>
/// using var state = new StateApiClient("http://127.0.0.1:8265");
/// var failed = await state.ListAsync(StateResource.Tasks, ["state=FAILED"], detail: true);
/// </code>
/// </summary>
public sealed partial class StateApiClient : IDisposable
{
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;

    /// <summary>Creates a client of the state API at <paramref name="address"/>.</summary>
    /// <param name="address">The dashboard's URL, e.g. <c>http://127.0.0.1:8265</c> (a bare HOST:PORT means http).</param>
    /// <param name="authToken">The cluster's token; null reads it as drivers do: RAYSHARP_AUTH_TOKEN, RAYSHARP_AUTH_TOKEN_PATH, then ~/.raysharp/auth_token.</param>
    /// <exception cref="ArgumentException">The address is not an http(s) URL or HOST:PORT, or the token is not usable.</exception>
    public StateApiClient(string address, string? authToken = null)
    {
        _http = DashboardHttp.Create(address, authToken, s_requestTimeout, "state API");
        Address = _http.BaseAddress!.ToString();
    }

    /// <summary>The state API's base URL.</summary>
    public string Address { get; }

    /// <summary>Lists entries of one kind (Ray's <c>ray list</c>).</summary>
    /// <param name="resource">What to list.</param>
    /// <param name="filters">Each <c>column=value</c> or <c>column!=value</c>, e.g. <c>state=FAILED</c>; all must hold. Values compare ignoring case.</param>
    /// <param name="limit">At most this many entries (1 to 10,000; Ray's default 100).</param>
    /// <param name="detail">Every column instead of the brief set (error messages, state transitions, resources, ...).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1 to 10,000.</exception>
    /// <exception cref="ArgumentException">A filter is not <c>column=value</c> or <c>column!=value</c>.</exception>
    /// <exception cref="StateApiException">The server refused the query or could not be reached.</exception>
    public async Task<StateListResult> ListAsync(StateResource resource, IEnumerable<string>? filters = null, int limit = 100, bool detail = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 10_000);
        var query = new StringBuilder($"api/v0/{Name(resource)}?limit={limit}&detail={(detail ? "true" : "false")}");
        foreach (var filter in filters ?? [])
        {
            if (filter is null || !filter.Contains('=', StringComparison.Ordinal) || filter.StartsWith('=') || filter.StartsWith("!=", StringComparison.Ordinal))
            {
                throw new ArgumentException($"A filter is column=value or column!=value, e.g. state=FAILED; '{filter}' is neither.", nameof(filters));
            }
            query.Append("&filter=").Append(Uri.EscapeDataString(filter));
        }
        var data = await GetAsync(query.ToString(), cancellationToken).ConfigureAwait(false);
        return new StateListResult(
            data.GetProperty("total").GetInt32(),
            data.GetProperty("num_after_truncation").GetInt32(),
            data.GetProperty("num_filtered").GetInt32(),
            [.. data.GetProperty("result").EnumerateArray().Select(e => e.Clone())],
            data.GetProperty("partial_failure_warning").GetString() ?? "");
    }

    /// <summary>Counts by state, grouped by function, class or call site (Ray's <c>ray summary tasks|actors|objects</c>).</summary>
    /// <param name="resource"><see cref="StateResource.Tasks"/>, <see cref="StateResource.Actors"/> or <see cref="StateResource.Objects"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The cluster's summary: Ray's shape, <c>{"summary": {name: {..., "state_counts": {...}}}, ...}</c>.</returns>
    /// <exception cref="ArgumentException">Another resource: only tasks, actors and objects are summarized.</exception>
    /// <exception cref="StateApiException">The server refused the request or could not be reached.</exception>
    public async Task<JsonElement> SummarizeAsync(StateResource resource, CancellationToken cancellationToken = default)
    {
        if (resource is not (StateResource.Tasks or StateResource.Actors or StateResource.Objects))
        {
            throw new ArgumentException($"Only tasks, actors and objects are summarized, not {resource}.", nameof(resource));
        }
        var data = await GetAsync($"api/v0/{Name(resource)}/summarize", cancellationToken).ConfigureAwait(false);
        return data.GetProperty("node_id_to_summary").GetProperty("cluster").Clone();
    }

    private static string Name(StateResource resource) => resource switch
    {
        StateResource.Nodes => "nodes",
        StateResource.Actors => "actors",
        StateResource.Tasks => "tasks",
        StateResource.Objects => "objects",
        StateResource.Jobs => "jobs",
        StateResource.Workers => "workers",
        StateResource.ClusterEvents => "cluster_events",
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, "Not a state API resource."),
    };

    // Ray's envelope: {"result": bool, "msg": string, "data": {"result": ...}}.
    private async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new StateApiException($"No state API answered at {Address} ({ex.Message}). Is the head's dashboard running (raysharp start --head prints its URL)?", null, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StateApiException($"The state API at {Address} did not answer within {s_requestTimeout.TotalSeconds:0} s.", null, ex);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            JsonElement body;
            try
            {
                body = JsonDocument.Parse(text).RootElement;
            }
            catch (JsonException)
            {
                throw new StateApiException($"The state API at {Address} answered {(int)response.StatusCode} with something else than JSON: {Shorten(text)}", response.StatusCode);
            }
            if (!response.IsSuccessStatusCode || body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("result", out var ok) || ok.ValueKind != JsonValueKind.True)
            {
                var message = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("msg", out var msg) ? msg.GetString()
                    : body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var error) ? error.GetString() : null;
                throw new StateApiException(response.StatusCode == HttpStatusCode.Unauthorized
                    ? $"The state API at {Address} refused the request: {message ?? "the cluster's token is missing or wrong"}."
                    : $"The state API at {Address} refused the request ({(int)response.StatusCode}): {message ?? Shorten(text)}", response.StatusCode);
            }
            return body.GetProperty("data").GetProperty("result").Clone();
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}
