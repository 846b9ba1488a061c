using System.Globalization;
using Microsoft.Playwright;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Dashboard;

/// <summary>
/// A two-node cluster of real `raysharp start` processes (1 CPU each, task events on, the head's dashboard on a free
/// port) with a driver that ran the state workload (a task that throws, a live actor, a killed one) and keeps them,
/// and a headless Chromium (Debian's, driven by Playwright) to open the dashboard's pages in.
/// </summary>
public sealed class DashboardClusterFixture : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Where the browser is: RAYSHARP_CHROMIUM, else Debian's package (.ci/run installs it).</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("RAYSHARP_CHROMIUM") ?? "/usr/bin/chromium";

    private readonly string? _previous;
    private IPlaywright? _playwright;

    public DashboardClusterFixture()
    {
        _previous = Environment.GetEnvironmentVariable(Runtime.TaskEventBuffer.EnableVariable);
        Environment.SetEnvironmentVariable(Runtime.TaskEventBuffer.EnableVariable, "1");
        var port = MultiNodeCluster.FreePort();
        Cluster = new MultiNodeCluster(headCpus: 1, headArguments: ["--dashboard-port", port.ToString(CultureInfo.InvariantCulture)]);
        try
        {
            Cluster.AddNode(1);
            DashboardUrl = $"http://127.0.0.1:{port}";
            Driver = new BackgroundDriver(["state-workload", "dashboard-ns"], Cluster.Address);
            Driver.WaitFor("ready", Timeout);
            _playwright = Playwright.CreateAsync().GetAwaiter().GetResult();
            Browser = _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
                Timeout = (float)Timeout.TotalMilliseconds,
            }).GetAwaiter().GetResult();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public MultiNodeCluster Cluster { get; }

    public BackgroundDriver? Driver { get; }

    public string DashboardUrl { get; } = "";

    public IBrowser? Browser { get; }

    /// <summary>The cluster's token (the user's, which the cluster was started with).</summary>
    public static string Token => Common.Security.AuthToken.FromUserFile()!;

    /// <summary>Where screenshots go: the repository's artifacts/dashboard (what CI keeps), else beside the tests.</summary>
    public static string ArtifactDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RaySharp.slnx")))
            {
                dir = dir.Parent;
            }
            var path = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "artifacts", "dashboard");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    /// <summary>A fresh page whose browser context already holds the token cookie (as after the user typed it once).</summary>
    public async Task<IPage> SignedInPageAsync()
    {
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        await context.AddCookiesAsync([new Cookie { Name = "raysharp_token", Value = Token, Url = DashboardUrl }]);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        return page;
    }

    public void Dispose()
    {
        Browser?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _playwright?.Dispose();
        Driver?.Dispose();
        Cluster.Dispose();
        Environment.SetEnvironmentVariable(Runtime.TaskEventBuffer.EnableVariable, _previous);
    }
}
