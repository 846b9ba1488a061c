using System.Diagnostics;
using System.IO.Compression;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Jobs;
using RaySharp.Common.Processes;
using RaySharp.Common.Security;

namespace RaySharp.Dashboard.Jobs;

/// <summary>
/// Runs one job's entrypoint on the head (Ray's JobSupervisor): unpacks its working directory (or makes an
/// empty one), runs the entrypoint through /bin/sh in a session of its own (so a stop reaches everything it
/// started) with its output in the session's logs/job-driver-&lt;id&gt;.log, and reports PENDING → RUNNING →
/// SUCCEEDED / FAILED / STOPPED. The entrypoint is a driver: RAYSHARP_ADDRESS names the GCS, so its
/// <c>Ray.Init()</c> joins the cluster, and the cluster's token and TLS files come through the environment.
/// Never started through a raylet: no worker lease runs a user's command.
/// </summary>
internal sealed class JobSupervisor(
    JobInfoRecord submitted, DashboardOptions options, PackageStore packages, Func<string, Func<JobInfoRecord, JobInfoRecord>, Task> update, ILogger logger)
{
    /// <summary>The variable that tells the entrypoint its submission id.</summary>
    public const string SubmissionIdVariable = Common.Jobs.JobEnvironment.SubmissionIdVariable;

    private readonly Lock _lock = new();
    private Process? _process;
    private bool _stopRequested;

    public string SubmissionId => submitted.SubmissionId;

    /// <summary>Ends once the job's final status is recorded.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>The driver log of a job.</summary>
    public static string LogFile(DashboardOptions options, string submissionId) => Path.Combine(options.LogDirectory, $"job-driver-{submissionId}.log");

    /// <summary>The directory a job's entrypoint runs in.</summary>
    public static string JobDirectory(DashboardOptions options, string submissionId) => Path.Combine(options.SessionDirectory, "job_dirs", submissionId);

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>
    /// SIGTERM to the entrypoint's process group, SIGKILL after the grace period (Ray: 3 s); a job not started
    /// yet never starts. The status becomes STOPPED when the entrypoint has exited.
    /// </summary>
    public void RequestStop()
    {
        Process? process;
        lock (_lock)
        {
            _stopRequested = true;
            process = _process;
        }
        if (process is null || process.HasExited)
        {
            return;
        }
        DashboardLog.JobStopping(logger, SubmissionId, process.Id, options.StopGracePeriod.TotalSeconds);
        // The group: the shell, the driver it started, and anything they started in turn.
        _ = NativeSignals.Kill(-process.Id, NativeSignals.SigTerm);
        _ = Task.Run(async () =>
        {
            await Task.Delay(options.StopGracePeriod).ConfigureAwait(false);
            // Unconditionally: the shell may be gone while the driver it started still runs in its group.
            _ = NativeSignals.Kill(-process.Id, NativeSignals.SigKill);
        });
    }

    private async Task RunAsync()
    {
        var logFile = LogFile(options, SubmissionId);
        var directory = JobDirectory(options, SubmissionId);
        string status;
        string message;
        int? exitCode = null;
        try
        {
            await PrepareDirectoryAsync(directory).ConfigureAwait(false);
            Process? process;
            lock (_lock)
            {
                process = _stopRequested ? null : _process = StartEntrypoint(directory, logFile);
            }
            if (process is null)
            {
                status = JobStatusNames.Stopped;
                message = "Job was stopped before its entrypoint started.";
            }
            else
            {
                using (process)
                {
                    var ticks = ProcessStartTime.Of(process.Id);
                    await update(SubmissionId, r => r with { Status = JobStatusNames.Running, Message = "Job is currently running.", DriverPid = process.Id, DriverStartTicks = ticks })
                        .ConfigureAwait(false);
                    await process.WaitForExitAsync().ConfigureAwait(false);
                    exitCode = process.ExitCode;
                }
                bool stopped;
                lock (_lock)
                {
                    stopped = _stopRequested;
                }
                (status, message) = stopped ? (JobStatusNames.Stopped, "Job was intentionally stopped.")
                    : exitCode == 0 ? (JobStatusNames.Succeeded, "Job finished successfully.")
                    : (JobStatusNames.Failed, $"Job entrypoint command failed with exit code {exitCode}; see its logs.");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.ComponentModel.Win32Exception
            or Grpc.Core.RpcException or JobApiException)
        {
            status = JobStatusNames.Failed;
            message = $"The job could not start: {ex.Message}";
            TryAppend(logFile, message + Environment.NewLine);
        }
        TryDelete(directory);
        try
        {
            await update(SubmissionId, r => r with
            {
                Status = status,
                Message = message,
                DriverExitCode = exitCode,
                EndTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                DriverPid = null,
                DriverStartTicks = null,
            }).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException ex)
        {
            // The GCS is going away with this process: nothing is left to record the end in.
            DashboardLog.SupervisorFailed(logger, SubmissionId, ex);
        }
    }

    private async Task PrepareDirectoryAsync(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        PrivateFiles.EnsureDirectory(directory);
        if (submitted.RuntimeEnv?.WorkingDir is { } uri)
        {
            var name = WorkingDirPackage.NameFromUri(uri)!;
            var zip = await packages.GetAsync(name, CancellationToken.None).ConfigureAwait(false)
                ?? throw JobApiException.BadRequest($"The working_dir package {uri} is no longer stored in the GCS.");
            using var stream = new MemoryStream(zip);
            // Refuses entries that would land outside the directory ("../").
            ZipFile.ExtractToDirectory(stream, directory);
        }
    }

    private Process StartEntrypoint(string directory, string logFile)
    {
        PrivateFiles.EnsureDirectory(options.LogDirectory);
        // Ray runs the entrypoint through a shell. setsid gives it a session and process group of its own
        // (pid = group id; setsid execs, since the shell it replaces leads no group), and the redirections
        // send everything it prints to the log without this process in between.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = directory };
        foreach (var argument in (string[])["-c", "exec setsid /bin/sh -c \"$1\" >> \"$2\" 2>&1 < /dev/null", "raysharp-job", submitted.Entrypoint, logFile])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["RAYSHARP_ADDRESS"] = options.GcsAddress;
        start.Environment[SubmissionIdVariable] = SubmissionId;
        foreach (var (name, value) in ClusterSecurity.Current.ToEnvironment())
        {
            start.Environment[name] = value;
        }
        Common.RuntimeEnvs.EnvVarExpansion.Apply((submitted.RuntimeEnv?.EnvVars ?? []).OrderBy(v => v.Key, StringComparer.Ordinal), start.Environment);
        // The job's runtime env for its driver: Ray.Init() there makes it the job's, so the tasks and actors run in it too.
        var jobEnv = new Protocol.RuntimeEnv();
        foreach (var (name, value) in submitted.RuntimeEnv?.EnvVars ?? [])
        {
            jobEnv.EnvVars[name] = value;
        }
        start.Environment[Common.RuntimeEnvs.RuntimeEnvRules.JobEnvironmentVariable] = Convert.ToBase64String(Google.Protobuf.MessageExtensions.ToByteArray(jobEnv));
        if (submitted.RuntimeEnv?.WorkingDir is not null)
        {
            start.Environment[Common.RuntimeEnvs.RuntimeEnvRules.JobWorkingDirVariable] = directory;
        }
        return Process.Start(start)!;
    }

    private static void TryAppend(string file, string text)
    {
        try
        {
            File.AppendAllText(file, text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
