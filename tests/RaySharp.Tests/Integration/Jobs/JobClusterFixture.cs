using System.Globalization;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Jobs;

/// <summary>
/// A two-node cluster of real `raysharp start` processes (a head with 1 CPU and its dashboard on a free port, and a
/// worker node with 1 CPU) for the job API tests, and the ways a test reaches its job API: the CLI and the client.
/// </summary>
public sealed class JobClusterFixture : IDisposable
{
    public JobClusterFixture()
    {
        DashboardPort = MultiNodeCluster.FreePort();
        Cluster = new MultiNodeCluster(headCpus: 1, headArguments: ["--dashboard-port", DashboardPort.ToString(CultureInfo.InvariantCulture)]);
        Cluster.AddNode(1);
        DashboardUrl = $"http://127.0.0.1:{DashboardPort}";
    }

    public MultiNodeCluster Cluster { get; }

    public int DashboardPort { get; }

    public string DashboardUrl { get; }

    /// <summary>The entrypoint that runs a scenario of RaySharp.Tests.Driver as a job's driver.</summary>
    public static string DriverEntrypoint(string scenario) =>
        $"'{WorkerLauncher.DotnetHost()}' '{Path.Combine(AppContext.BaseDirectory, "RaySharp.Tests.Driver.dll")}' {scenario}";

    /// <summary>Runs `raysharp job SUBCOMMAND --address URL ARGS...` to its end.</summary>
    public (int ExitCode, string Output) Job(string subcommand, params string[] args) =>
        CliRunner.Run(["job", subcommand, "--address", DashboardUrl, .. args]);

    /// <summary>A client of the job API with the user's token (what the cluster was started with).</summary>
    public JobSubmissionClient Client() => new(DashboardUrl);

    /// <summary>Waits until the job has ended; its final details.</summary>
    public JobDetails WaitUntilEnded(string submissionId, TimeSpan timeout)
    {
        using var client = Client();
        JobDetails? job = null;
        Eventually.True(() => (job = client.GetJobInfoAsync(submissionId).GetAwaiter().GetResult()).Status.IsTerminal(), timeout,
            $"job {submissionId} to end");
        return job!;
    }

    /// <summary>Waits until the job's log holds <paramref name="text"/>; the whole log then.</summary>
    public string WaitForLog(string submissionId, string text, TimeSpan timeout)
    {
        using var client = Client();
        var logs = "";
        Eventually.True(() => (logs = client.GetJobLogsAsync(submissionId).GetAwaiter().GetResult()).Contains(text, StringComparison.Ordinal), timeout,
            $"job {submissionId}'s log to say '{text}'");
        return logs;
    }

    /// <summary>Whether a process runs (a zombie does not).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose() => Cluster.Dispose();
}
