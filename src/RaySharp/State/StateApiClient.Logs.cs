using System.Runtime.CompilerServices;

namespace RaySharp.State;

public sealed partial class StateApiClient
{
    /// <summary>The logs of each live node (Ray's <c>list_logs</c>): raylet.log, gcs.log, core-worker-*.log, worker-*.out/.err, ...</summary>
    /// <param name="nodeId">Only this node's; null for every live node.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Node id → the names of its logs.</returns>
    /// <exception cref="StateApiException">The server refused the request or could not be reached.</exception>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ListLogsAsync(string? nodeId = null, CancellationToken cancellationToken = default)
    {
        var data = await GetAsync("api/v0/logs" + (nodeId is null ? "" : "?node_id=" + Uri.EscapeDataString(nodeId)), cancellationToken).ConfigureAwait(false);
        return data.EnumerateObject().ToDictionary(
            node => node.Name,
            node => (IReadOnlyList<string>)[.. node.Value.EnumerateArray().Select(f => f.GetProperty("name").GetString()!)],
            StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads a log line by line (Ray's <c>get_log</c>): its last <see cref="LogQuery.Tail"/> lines, then, with
    /// <see cref="LogQuery.Follow"/>, what is appended until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <param name="query">Which log.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The lines, without their newlines.</returns>
    /// <exception cref="ArgumentException">The query names none or several logs, or its tail is below -1.</exception>
    /// <exception cref="StateApiException">The server refused the query (nothing there, a bad id) or could not be reached.</exception>
    public async IAsyncEnumerable<string> GetLogAsync(LogQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var path = $"api/v0/logs/{(query.Follow ? "stream" : "file")}?{query.ToQueryString()}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        HttpResponseMessage response;
        try
        {
            // Headers only: the body of a followed log never ends, and the client's timeout covers only the wait for the headers.
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new StateApiException($"No log API answered at {Address} ({ex.Message}). Is the head's dashboard running?", null, ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
                throw new StateApiException(response.StatusCode == System.Net.HttpStatusCode.Unauthorized
                    ? $"The log API at {Address} refused the request: the cluster's token is missing or wrong."
                    : $"The log API at {Address} refused the request ({(int)response.StatusCode}): {Shorten(text)}", response.StatusCode);
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                yield return line;
            }
        }
    }
}
