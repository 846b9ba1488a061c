using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RaySharp.Bench.Soak;

/// <summary>
/// Drivers that come and go: every period (±20%, so drivers do not beat in step with the killer or the
/// sampler) one more process of this program in its hidden <see cref="ChurnDriver"/> mode joins the cluster,
/// runs, checks and leaves; one at a time. Adds their checked results to the soak's counters, counts a
/// driver that fails, hangs or prints no summary as a wrong result, and keeps each driver's peak
/// resident memory, threads and descriptors for the sampler.
/// </summary>
public sealed class DriverChurn : IDisposable
{
    /// <summary>A driver that runs longer than this hangs: it is killed and counted wrong.</summary>
    public static readonly TimeSpan DriverTimeout = TimeSpan.FromSeconds(600);

    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly Lock _lock = new();
    private readonly List<ProcStats> _finishedPeaks = [];

    private readonly CancellationToken _abort;

    // abort: when cancelled (the cluster broke), the driver running is killed and no other starts.
    public DriverChurn(string gcsAddress, TimeSpan period, int seed, SoakCounters counters, Action<string> log, CancellationToken abort)
    {
        _abort = abort;
        _thread = new Thread(() => Loop(gcsAddress, period, new Random(seed), counters, log)) { IsBackground = true, Name = "soak drivers" };
        if (period > TimeSpan.Zero)
        {
            _thread.Start();
        }
    }

    /// <summary>
    /// The largest peaks of the drivers that finished, every result right, since the last call (each driver's
    /// over its whole life, so a driver that spans two samples is not counted half-grown); null when none did.
    /// </summary>
    public ProcStats? TakeFinishedPeak()
    {
        lock (_lock)
        {
            if (_finishedPeaks.Count == 0)
            {
                return null;
            }
            var peak = new ProcStats(_finishedPeaks.Max(p => p.RssMiB), _finishedPeaks.Max(p => p.AnonMiB), _finishedPeaks.Max(p => p.Threads), _finishedPeaks.Max(p => p.Fds), _finishedPeaks.Max(p => p.PoolThreads));
            _finishedPeaks.Clear();
            return peak;
        }
    }

    private void Loop(string gcsAddress, TimeSpan period, Random random, SoakCounters counters, Action<string> log)
    {
        for (long index = 0; !_stop.IsCancellationRequested && !_abort.IsCancellationRequested; index++)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                RunOne(gcsAddress, index, counters, log);
            }
            catch (Exception ex)
            {
                // Anything that goes wrong starting or reading a driver is the driver's failure, not this thread's end.
                counters.Wrong($"driver {index}: {Failures.Describe(ex)}");
            }
            var next = period * (0.8 + (0.4 * random.NextDouble()));
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero && _stop.Token.WaitHandle.WaitOne(wait))
            {
                return;
            }
        }
    }

    private void RunOne(string gcsAddress, long index, SoakCounters counters, Action<string> log)
    {
        // Stdin is the driver's lifeline (see ChurnDriver): kept open, never written.
        var start = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[typeof(ChurnDriver).Assembly.Location, "--soak-driver", gcsAddress, index.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }
        // The address is explicit: a RAYSHARP_ADDRESS inherited from a test host would name another cluster.
        start.Environment.Remove("RAYSHARP_ADDRESS");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peak = new ProcStats(0, 0, 0, 0);
        // Sampled twice a second while it runs: its peak, whatever the soak's sampler happens to see.
        while (!process.WaitForExit(TimeSpan.FromMilliseconds(500)))
        {
            if (ProcStats.Read(process.Id) is { } now)
            {
                peak = new ProcStats(Math.Max(peak.RssMiB, now.RssMiB), Math.Max(peak.AnonMiB, now.AnonMiB), Math.Max(peak.Threads, now.Threads), Math.Max(peak.Fds, now.Fds));
            }
            if (_abort.IsCancellationRequested)
            {
                // The cluster is gone: what the driver would report says nothing more.
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return;
            }
            if (clock.Elapsed > DriverTimeout)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                counters.Wrong($"driver {index} hung: still running after {DriverTimeout.TotalSeconds:0} s; its output: {Tail(stderr)}");
                return;
            }
        }
        process.WaitForExit();   // the end of the redirected streams
        var summary = Text(stdout).Split('\n').LastOrDefault(l => l.StartsWith(ChurnDriver.SummaryPrefix, StringComparison.Ordinal));
        if (summary is null)
        {
            counters.Wrong($"driver {index} exited with {process.ExitCode} and no summary; its output: {Tail(stderr)}");
            return;
        }
        var values = summary[ChurnDriver.SummaryPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture));
        counters.AddTasks(values["tasks"]);
        counters.AddActorCalls(values["calls"]);
        counters.AddActorsCreated(values["actors"]);
        for (var i = 0; i < values["expected"]; i++)
        {
            counters.ExpectedFailure($"driver {index}: a call on its no-retry actor failed with RayActorException");
        }
        if (process.ExitCode != 0 || values["wrong"] != 0)
        {
            counters.Wrong($"driver {index} exited with {process.ExitCode}, {values["wrong"]} wrong results: {Tail(stderr)}");
            return;
        }
        counters.AddDriverRun();
        // Only drivers that ran to the end: one that failed early (counted wrong above) peaks low and would read as a drop.
        lock (_lock)
        {
            _finishedPeaks.Add(peak);
        }
        log($"  driver {index}: {clock.Elapsed.TotalSeconds:0.0} s, peak {peak.RssMiB:0} MiB, {peak.Threads} threads, {peak.Fds} fds");
    }

    // The dotnet host that runs this process (what the raylets use to start workers, too).
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromEnv && File.Exists(fromEnv) ? fromEnv
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private static string Tail(StringBuilder text)
    {
        var all = Text(text).ReplaceLineEndings(" | ");
        return all.Length > 2000 ? "..." + all[^2000..] : all;
    }

    public void Dispose()
    {
        _stop.Cancel();
        // The driver running now finishes (or is killed at its own timeout): the cluster must outlive it.
        if (_thread.IsAlive && !_thread.Join(DriverTimeout + TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The come-and-go driver loop did not stop.");
        }
        _stop.Dispose();
    }
}
