using RaySharp.Dashboard;

namespace RaySharp.Cli;

/// <summary>The dashboard as the CLI's GCS process hosts it (<see cref="HostedDashboard"/>), and the line `raysharp start` prints about it.</summary>
internal static class GcsDashboard
{
    /// <summary>Starts the dashboard (none when <paramref name="settings"/> is null) for the GCS at <paramref name="gcsAddress"/>.</summary>
    public static async Task<HostedDashboard> StartAsync(DashboardFlags.Settings? settings, string gcsAddress, string sessionDirectory, CancellationToken cancellationToken)
    {
        var options = settings is null ? null : new DashboardOptions { Host = settings.Host, Port = settings.Port, GcsAddress = gcsAddress, SessionDirectory = sessionDirectory };
        var dashboard = await HostedDashboard.StartAsync(options, gcsAddress, "turned off (--include-dashboard false)", "--dashboard-port", cancellationToken).ConfigureAwait(false);
        if (dashboard.Url is { } url)
        {
            Console.WriteLine($"Dashboard at {url}.");
        }
        else if (settings is not null)
        {
            Console.Error.WriteLine($"The dashboard did not start: {dashboard.NotServingReason}.");
        }
        return dashboard;
    }

    /// <summary>The line `raysharp start --head` prints about the cluster's dashboard, read from the GCS.</summary>
    public static async Task<string> DescribeAsync(string gcsAddress)
    {
        var (url, reason) = await DashboardAddress.ReadAsync(gcsAddress, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return url is not null
            ? $"Dashboard at {url} (open it in a browser; submit jobs with: raysharp job submit --address {url} -- dotnet MyApp.dll)"
            : $"No dashboard: {reason ?? "the GCS recorded none"}.";
    }
}
