using System.Net.Http.Json;
using System.Text.Json;

namespace RaySharp.Tests.Integration.Hosting;

/// <summary>
/// SIGTERM to the web sample (what `docker stop` or systemd sends): the host stops gracefully, a request in flight
/// finishes on a cluster that is still there, and only then does the host shut the driver down and the process exit.
/// In the Cluster collection to keep the machine's two cores to one cluster test at a time.
/// </summary>
[Collection("Cluster")]
public class GracefulStopTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_request_in_flight_when_the_app_gets_SIGTERM_completes_before_the_driver_shuts_down()
    {
        // One task adding 3·10^9 numbers: seconds of work, so the signal lands while the request runs. The host waits
        // up to 120 s (not 30) for requests in flight, so a loaded machine's slow task still finishes in time.
        using var app = new WebSampleProcess("--RaySharp:NumCpus=1", "--shutdownTimeoutSeconds=120",
            "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information");
        var address = app.WaitUntilListening(s_timeout);
        using var client = new HttpClient { BaseAddress = address, Timeout = s_timeout };
        var request = client.GetAsync("/sum?n=3000000000&tasks=1");
        app.WaitForLine("Summing 1..3000000000 in 1 task(s)", s_timeout);

        Assert.Equal(0, Signals.Send(app.Process.Id, Signals.SigTerm));

        using var response = await request.WaitAsync(s_timeout);
        Assert.True(response.IsSuccessStatusCode, $"the request in flight got {(int)response.StatusCode}. The app's output:\n{app.Output()}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(4_500_000_001_500_000_000L, body.GetProperty("sum").GetInt64());
        // WaitForExit(timeout) returns at the exit, possibly before the last lines reach the output handler (a
        // clean-clone CI run missed the driver's last line so); WaitForExitAsync also waits for the output's end, and
        // the token bounds both.
        using (var exit = new CancellationTokenSource(s_timeout))
        {
            var exited = app.Process.WaitForExitAsync(exit.Token);
            await Task.WhenAny(exited);
            Assert.True(exited.IsCompletedSuccessfully, $"the app did not exit (or its output did not end) after SIGTERM. Its output:\n{app.Output()}");
        }
        Assert.Equal(0, app.Process.ExitCode);

        // The order of events: the stop began while the request ran, and the driver went last.
        var output = app.Output();
        var stopping = output.IndexOf("Application is shutting down", StringComparison.Ordinal);
        var finished = output.IndexOf("Request finished HTTP/1.1 GET " + address.ToString().TrimEnd('/') + "/sum", StringComparison.Ordinal);
        var shutDown = output.IndexOf("RaySharp driver shut down", StringComparison.Ordinal);
        Assert.True(stopping >= 0 && finished > stopping && shutDown > finished,
            $"expected the stop, then the request's end, then the driver's shutdown (at {stopping}, {finished}, {shutDown}). The app's output:\n{output}");
    }
}
