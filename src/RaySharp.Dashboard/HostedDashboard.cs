using RaySharp.Common.Logging;

namespace RaySharp.Dashboard;

/// <summary>
/// The dashboard as a cluster's head hosts it, whether the head is the `raysharp` CLI's GCS process or the
/// embedded cluster of <c>Ray.Init()</c>: logged to the session's dashboard.log, its URL (or why there is
/// none) recorded in the GCS KV for clients to find. A port already taken leaves the cluster without a
/// dashboard rather than without a head, as Ray's head starts when its dashboard cannot; on Ray's default
/// port the next ones are tried first (<see cref="DashboardOptions.PortAttempts"/>).
/// </summary>
public sealed class HostedDashboard : IAsyncDisposable
{
    private readonly DashboardServer? _server;
    private readonly IDisposable? _loggers;

    private HostedDashboard(DashboardServer? server, IDisposable? loggers, string? reason)
    {
        _server = server;
        _loggers = loggers;
        NotServingReason = reason;
    }

    /// <summary>Where the dashboard serves; null when it does not (<see cref="NotServingReason"/> says why).</summary>
    public string? Url => _server?.Url;

    /// <summary>Why there is no dashboard, e.g. "turned off" or the port that was taken; null when it serves.</summary>
    public string? NotServingReason { get; }

    /// <summary>Starts the dashboard, or records why there is none.</summary>
    /// <param name="options">Where to listen; null: the user turned the dashboard off.</param>
    /// <param name="gcsAddress">The cluster's GCS, where the URL is recorded.</param>
    /// <param name="offReason">What to record when <paramref name="options"/> is null, e.g. "turned off (--include-dashboard false)".</param>
    /// <param name="portHint">How the user chooses another port (a flag or a setting), said when the port is taken.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<HostedDashboard> StartAsync(DashboardOptions? options, string gcsAddress, string offReason, string portHint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gcsAddress);
        if (options is null)
        {
            await DashboardAddress.RecordNoneAsync(gcsAddress, offReason, cancellationToken).ConfigureAwait(false);
            return new HostedDashboard(null, null, offReason);
        }
        var loggers = FileLoggerProvider.CreateFactory(Path.Combine(options.LogDirectory, "dashboard.log"));
        try
        {
            var server = await DashboardServer.StartAsync(options, loggers, cancellationToken).ConfigureAwait(false);
            await DashboardAddress.RecordAsync(gcsAddress, server.Url, cancellationToken).ConfigureAwait(false);
            return new HostedDashboard(server, loggers, null);
        }
        catch (IOException ex)
        {
            loggers.Dispose();
            var ports = options.PortAttempts > 1 ? $"{options.Port}–{options.Port + options.PortAttempts - 1}" : options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var reason = $"it could not listen on {options.Host}:{ports} ({ex.Message}); choose another port with {portHint}";
            await DashboardAddress.RecordNoneAsync(gcsAddress, reason, cancellationToken).ConfigureAwait(false);
            return new HostedDashboard(null, null, reason);
        }
    }

    /// <summary>Stops the server (its running jobs first), then its log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        _loggers?.Dispose();
    }
}
