using System.Globalization;
using RaySharp.State;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.State;

/// <summary>
/// A two-node cluster of real `raysharp start` processes (head and worker node, 1 CPU each, the head's dashboard on a
/// free port) with a second driver that ran the state workload (RaySharp.Tests.Driver's "state-workload") and keeps its
/// job, its live actor and a 2 MiB object while the tests read the state API.
/// </summary>
public sealed class StateClusterFixture : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public StateClusterFixture()
    {
        // Task events are off by default: on for every process this fixture starts (they inherit this process's environment).
        _previous = Environment.GetEnvironmentVariable(Runtime.TaskEventBuffer.EnableVariable);
        Environment.SetEnvironmentVariable(Runtime.TaskEventBuffer.EnableVariable, "1");
        var port = MultiNodeCluster.FreePort();
        Cluster = new MultiNodeCluster(headCpus: 1, headArguments: ["--dashboard-port", port.ToString(CultureInfo.InvariantCulture)]);
        try
        {
            Cluster.AddNode(1);
            DashboardUrl = $"http://127.0.0.1:{port}";
            Driver = new BackgroundDriver(["state-workload", "state-ns"], Cluster.Address);
            Driver.WaitFor("ready", Timeout);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private readonly string? _previous;

    public MultiNodeCluster Cluster { get; }

    public BackgroundDriver? Driver { get; }

    public string DashboardUrl { get; } = "";

    /// <summary>A state API client with the user's token (what the cluster was started with).</summary>
    public StateApiClient Client() => new(DashboardUrl);

    /// <summary>Lists until <paramref name="done"/> holds for the result (task events arrive within a few seconds); the last result.</summary>
    public StateListResult ListUntil(StateResource resource, string[] filters, Func<StateListResult, bool> done, string waitingFor, bool detail = false)
    {
        using var client = Client();
        StateListResult? last = null;
        Eventually.True(() => done(last = client.ListAsync(resource, filters, 1000, detail).GetAwaiter().GetResult()), Timeout, waitingFor);
        return last!;
    }

    public void Dispose()
    {
        if (Driver is { } driver)
        {
            driver.Dispose();
        }
        Cluster.Dispose();
        Environment.SetEnvironmentVariable(Runtime.TaskEventBuffer.EnableVariable, _previous);
    }
}
