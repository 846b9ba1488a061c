using RaySharp.Common.Logging;
using RaySharp.Dashboard;

namespace RaySharp.Cli;

/// <summary>
/// The dashboard as the GCS process hosts it: logged to the session's dashboard.log, its URL (or why there
/// is none) recorded in the GCS KV for `raysharp start` to print. A port already taken leaves the cluster
/// without a dashboard rather than without a GCS, as Ray's head starts when its dashboard cannot.
/// </summary>
internal sealed class GcsDashboard : IAsyncDisposable
{
    private readonly DashboardServer? _server;
    private readonly IDisposable? _loggers;

    private GcsDashboard(DashboardServer? server, IDisposable? loggers)
    {
        _server = server;
        _loggers = loggers;
    }

    /// <summary>Starts the dashboard (none when <paramref name="settings"/> is null) for the GCS at <paramref name="gcsAddress"/>.</summary>
    public static async Task<GcsDashboard> StartAsync(DashboardFlags.Settings? settings, string gcsAddress, string sessionDirectory, CancellationToken cancellationToken)
    {
        if (settings is null)
        {
            await DashboardAddress.RecordNoneAsync(gcsAddress, "turned off (--include-dashboard false)", cancellationToken).ConfigureAwait(false);
            return new GcsDashboard(null, null);
        }
        var options = new DashboardOptions { Host = settings.Host, Port = settings.Port, GcsAddress = gcsAddress, SessionDirectory = sessionDirectory };
        var loggers = FileLoggerProvider.CreateFactory(Path.Combine(options.LogDirectory, "dashboard.log"));
        try
        {
            var server = await DashboardServer.StartAsync(options, loggers, cancellationToken).ConfigureAwait(false);
            await DashboardAddress.RecordAsync(gcsAddress, server.Url, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"Dashboard at {server.Url}.");
            return new GcsDashboard(server, loggers);
        }
        catch (IOException ex)
        {
            loggers.Dispose();
            var reason = $"it could not listen on {settings.Host}:{settings.Port} ({ex.Message}); choose another port with --dashboard-port";
            Console.Error.WriteLine($"The dashboard did not start: {reason}.");
            await DashboardAddress.RecordNoneAsync(gcsAddress, reason, cancellationToken).ConfigureAwait(false);
            return new GcsDashboard(null, null);
        }
    }

    /// <summary>The line `raysharp start --head` prints about the cluster's dashboard, read from the GCS.</summary>
    public static async Task<string> DescribeAsync(string gcsAddress)
    {
        var (url, reason) = await DashboardAddress.ReadAsync(gcsAddress, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return url is not null
            ? $"Dashboard at {url} (open it in a browser; submit jobs with: raysharp job submit --address {url} -- dotnet MyApp.dll)"
            : $"No dashboard: {reason ?? "the GCS recorded none"}.";
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        _loggers?.Dispose();
    }
}
