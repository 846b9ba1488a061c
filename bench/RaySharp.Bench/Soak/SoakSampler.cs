using System.Diagnostics;
using System.Globalization;
using RaySharp.Bench.Chaos;

namespace RaySharp.Bench.Soak;

/// <summary>
/// Every period, on a thread of its own: each cluster process's resident memory, threads and open
/// descriptors (/proc), the stores' usage, the disk under logs, spill directories and the package cache,
/// and the throughput since the last sample. Prints one line per sample. Waits for the
/// quiet gate so a sample never lands inside a spill burst (a transient of ~450 MiB that
/// would say nothing about growth).
/// </summary>
public sealed class SoakSampler : IDisposable
{
    private const double Mib = 1024.0 * 1024.0;

    private readonly SoakCluster _cluster;
    private readonly SoakCounters _counters;
    private readonly DriverChurn _churn;
    private readonly SemaphoreSlim _quietGate;
    private readonly Action<string> _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<SoakSample> _samples = [];
    private readonly PackageDirectories _packages = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private (TimeSpan At, long Tasks, long Calls, long Actors, long Kills) _last;

    private readonly CancellationTokenSource _abort;

    // abort: cancelled when a sample finds the cluster broken (see SoakCluster.Problem).
    public SoakSampler(SoakCluster cluster, SoakCounters counters, DriverChurn churn, SemaphoreSlim quietGate, TimeSpan period, Action<string> log,
        CancellationTokenSource abort)
    {
        _abort = abort;
        _cluster = cluster;
        _counters = counters;
        _churn = churn;
        _quietGate = quietGate;
        _log = log;
        _last = (TimeSpan.Zero, counters.Tasks, counters.ActorCalls, counters.ActorsCreated, counters.WorkersKilled);
        _thread = new Thread(() => Loop(period)) { IsBackground = true, Name = "soak sampler" };
        _thread.Start();
    }

    /// <summary>The samples so far, oldest first.</summary>
    public IReadOnlyList<SoakSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    private void Loop(TimeSpan period)
    {
        for (var next = period; !_stop.Token.WaitHandle.WaitOne(Max(TimeSpan.Zero, next - _clock.Elapsed)); next += period)
        {
            if (_cluster.Problem() is { } problem)
            {
                if (!_abort.IsCancellationRequested)
                {
                    _counters.Wrong($"the cluster broke: {problem}");
                    _log($"ABORT: {problem}; the soak stops");
                    _abort.Cancel();
                }
                continue;
            }
            // Bounded: a burst takes seconds; a gate held longer than this is itself worth a sample.
            var quiet = _quietGate.Wait(TimeSpan.FromSeconds(60));
            try
            {
                var sample = Take();
                lock (_samples)
                {
                    _samples.Add(sample);
                }
                _log(Describe(sample));
            }
            catch (Exception ex)
            {
                // A background thread's exception would end the process and leave the cluster's processes behind.
                _log($"  sample at {_clock.Elapsed.TotalSeconds:0} s failed: {Failures.Describe(ex)}");
            }
            finally
            {
                if (quiet)
                {
                    _quietGate.Release();
                }
            }
        }
    }

    private SoakSample Take()
    {
        var values = new Dictionary<string, double>();
        var workerPids = ClusterProcesses.Workers(_cluster.Address);
        // The GCS's and raylets' descriptors that lead to live workers (pipes to their output, connections to
        // and from them) come and go with those workers; the series counts the rest, where a leak would show.
        Record(values, "gcs", ProcStats.Read(_cluster.GcsPid), ProcSockets.CountLeadingTo(_cluster.GcsPid, workerPids));
        for (var i = 0; i < _cluster.RayletPids.Count; i++)
        {
            Record(values, SoakSeries.RayletKinds[i], ProcStats.Read(_cluster.RayletPids[i]), ProcSockets.CountLeadingTo(_cluster.RayletPids[i], workerPids));
        }
        // This process's garbage is collected first, aggressively (the collector also gives back the free
        // memory it keeps for later allocations): its series then show what the soak's driver keeps, not how
        // long ago its collector last ran (it allocates a 4 MiB array per large result it checks and 32 MiB
        // ones in a spill burst, which the collector otherwise keeps committed for a while).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        Record(values, "driver", ProcStats.Read(Environment.ProcessId));
        Record(values, "churn_peak", _churn.TakeFinishedPeak());
        var workers = workerPids.Select(ProcStats.Read).OfType<ProcStats>().ToList();
        values["workers.count"] = workers.Count;
        values["workers.rss_sum_mib"] = workers.Sum(w => w.RssMiB);
        values["workers.rss_max_mib"] = workers.Count == 0 ? double.NaN : workers.Max(w => w.RssMiB);
        values["workers.anon_sum_mib"] = workers.Sum(w => w.AnonMiB);
        values["workers.anon_max_mib"] = workers.Count == 0 ? double.NaN : workers.Max(w => w.AnonMiB);
        values["workers.threads_max"] = workers.Count == 0 ? double.NaN : workers.Max(w => w.Threads);
        values["workers.fds_max"] = workers.Count == 0 ? double.NaN : workers.Max(w => w.Fds);
        var store = StoreUsage.Read(_cluster.Address);
        // A store that did not answer would read as a drop in usage: no store values in that sample.
        var complete = store.Nodes == _cluster.RayletPids.Count;
        values["store.used_mib"] = complete ? store.UsedBytes / Mib : double.NaN;
        values["store.objects"] = complete ? store.Objects : double.NaN;
        values["store.spilled_total_mib"] = complete ? store.SpilledBytes / Mib : double.NaN;
        values["disk.logs_mib"] = DiskUsage.Bytes(_cluster.LogPaths) / Mib;
        values["disk.spill_mib"] = DiskUsage.Bytes(_cluster.SpillPaths) / Mib;
        values["disk.packages_mib"] = DiskUsage.Bytes(_packages.Add(workerPids)) / Mib;
        var now = (_clock.Elapsed, _counters.Tasks, _counters.ActorCalls, _counters.ActorsCreated, _counters.WorkersKilled);
        var seconds = (now.Elapsed - _last.At).TotalSeconds;
        values["rate.tasks_per_s"] = (now.Tasks - _last.Tasks) / seconds;
        values["rate.calls_per_s"] = (now.ActorCalls - _last.Calls) / seconds;
        values["rate.actors_per_interval"] = now.ActorsCreated - _last.Actors;
        values["rate.kills_per_interval"] = now.WorkersKilled - _last.Kills;
        _last = now;
        return new SoakSample(now.Elapsed, values);
    }

    private static void Record(Dictionary<string, double> values, string kind, ProcStats? stats, int workerFds = 0)
    {
        values[kind + ".rss_mib"] = stats?.RssMiB ?? double.NaN;
        values[kind + ".anon_mib"] = stats?.AnonMiB ?? double.NaN;
        values[kind + ".threads"] = stats?.Threads ?? double.NaN;
        values[kind + ".pool_threads"] = stats?.PoolThreads ?? double.NaN;
        values[kind + ".fds"] = stats is null ? double.NaN : stats.Fds - workerFds;
    }

    private string Describe(SoakSample s)
    {
        string F(string series, string format = "0") => double.IsNaN(s[series]) ? "-" : s[series].ToString(format, CultureInfo.InvariantCulture);
        string Kind(string kind) => $"{F(kind + ".rss_mib")}/{F(kind + ".anon_mib")}/{F(kind + ".threads")}+{F(kind + ".pool_threads")}/{F(kind + ".fds")}";
        return $"[{s.Elapsed:hh\\:mm\\:ss}] rss/anon MiB/threads+pool/fds: gcs {Kind("gcs")}, raylets {Kind("raylet.head")} {Kind("raylet.node1")} {Kind("raylet.node2")}, " +
            $"driver {Kind("driver")}, churn peak {Kind("churn_peak")}, workers {F("workers.count")} (sum {F("workers.rss_sum_mib")}/{F("workers.anon_sum_mib")} MiB, max {F("workers.rss_max_mib")}/{F("workers.anon_max_mib")}/{F("workers.threads_max")}/{F("workers.fds_max")}); " +
            $"store {F("store.used_mib", "0.0")} MiB {F("store.objects")} objects; disk MiB logs {F("disk.logs_mib", "0.00")} spill {F("disk.spill_mib", "0.0")} packages {F("disk.packages_mib", "0.0")}; " +
            $"{_counters.Rounds} rounds, {F("rate.tasks_per_s")} tasks/s, {F("rate.calls_per_s")} calls/s, {F("rate.actors_per_interval")} actors, {F("rate.kills_per_interval")} kills";
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Stops sampling; the samples taken stay readable.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(120)))
        {
            throw new TimeoutException("The sampler did not stop within 120 s.");
        }
        _stop.Dispose();
    }
}
