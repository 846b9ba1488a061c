using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Starts, reuses and stops the node's worker processes. Workers are kept per launch command (one
/// per job's code): prestarted, handed out idle when one is free, started on demand when none is,
/// and stopped when too many sit idle for too long. A job's code is forgotten when it has no worker,
/// none starting and no request waiting (its job ended, say): a long-lived node sees many builds.
/// </summary>
public sealed partial class WorkerPool
{
    private readonly Lock _lock = new();
    private readonly RayletConfig _config;
    private readonly UniqueId _nodeId;
    private readonly LogBroadcaster _logs;
    private readonly ILogger _logger;
    private readonly Dictionary<UniqueId, WorkerProcess> _all = [];
    private readonly Dictionary<string, Kind> _kinds = new(StringComparer.Ordinal);
    // The latest exited workers, newest last, for the state API (Ray keeps dead workers listed too).
    private readonly Queue<WorkerTableEntry> _exited = new();
    private readonly string _defaultKey;
    private readonly Common.Logging.LogRotation _rotation = Common.Logging.LogRotation.FromEnvironment();
    private bool _stopping;

    public WorkerPool(RayletConfig config, UniqueId nodeId, LogBroadcaster logs, ILogger logger)
    {
        _config = config;
        _nodeId = nodeId;
        _logs = logs;
        _logger = logger;
        _defaultKey = WorkerLaunchKey.Of(config.DefaultWorkerLaunch);
    }

    /// <summary>Launch commands (job codes) the pool keeps state for (for tests).</summary>
    internal int KindCount
    {
        get
        {
            lock (_lock)
            {
                return _kinds.Count;
            }
        }
    }

    /// <summary>
    /// Holds a cached directory a job code runs from (its package, a runtime env's working dir) while the pool
    /// keeps that code (some worker of it lives), so the package cache never evicts it under a running worker;
    /// null when the directory is not a cached one.
    /// </summary>
    public Func<string, IDisposable?>? HoldDirectory { get; set; }

    /// <summary>Raised (outside the pool's lock) when a worker process exits.</summary>
    public event Action<WorkerProcess>? WorkerExited;

    /// <summary>Memory admission (null: off): spare workers (<see cref="WarmWorkers"/>) are started only within its budget.</summary>
    internal Memory.WorkerAdmission? SpareAdmission { get; set; }

    /// <summary>
    /// The raylet's memory reader, the one its memory monitor and admission use (null: memory unknown, the count alone
    /// bounds spares); read only when a pop wants spares.
    /// </summary>
    internal Memory.IMemoryUsageReader? SpareMemory { get; set; }

    /// <summary>Where workers reach the raylet: the endpoint it actually listens on (a configured TCP port 0 is resolved at start).</summary>
    public string RayletEndpoint { get; set; } = "";

    /// <summary>Where workers reach the raylet over the RaySharp wire protocol (empty: they use <see cref="RayletEndpoint"/>'s gRPC).</summary>
    public string RayletWireEndpoint { get; set; } = "";

    /// <summary>The core-worker endpoints of the node's registered workers (for Ray.MemorySummary).</summary>
    public List<string> Endpoints()
    {
        lock (_lock)
        {
            return _all.Values.Select(w => w.Endpoint).OfType<string>().ToList();
        }
    }

    /// <summary>The process ids of every worker this pool started and that has not exited (for the memory monitor).</summary>
    public IReadOnlyCollection<int> Pids()
    {
        lock (_lock)
        {
            return _all.Values.Select(w => w.Pid).ToList();
        }
    }

    /// <summary>Live workers by state (the node's /metrics): started but not registered yet, idle in the pool, leased.</summary>
    public (int Starting, int Idle, int Leased) CountByState()
    {
        lock (_lock)
        {
            var registered = _all.Values.Count(w => w.Endpoint is not null);
            var idle = _kinds.Values.Sum(k => k.Idle.Count);
            return (_all.Count - registered, idle, Math.Max(0, registered - idle));
        }
    }

    /// <summary>How many exited workers <see cref="Snapshot"/> still lists.</summary>
    public const int MaxExitedListed = 1_000;

    /// <summary>Every live worker and the latest exited ones (Ray's state API: list workers).</summary>
    public List<WorkerTableEntry> Snapshot()
    {
        lock (_lock)
        {
            var list = _all.Values.Select(w => new WorkerTableEntry
            {
                WorkerId = w.Id.ToByteString(),
                Pid = w.Pid,
                IsAlive = true,
                Idle = _kinds.TryGetValue(w.KindKey, out var kind) && kind.Idle.Contains(w),
                Endpoint = w.Endpoint ?? "",
                StartTimeMs = w.StartTimeMs,
                JobId = w.JobId,
            }).ToList();
            list.AddRange(_exited.Select(e => e.Clone()));
            return list;
        }
    }

    public void Prestart(int count)
    {
        var kind = KindOf(_config.DefaultWorkerLaunch, null);
        for (var i = 0; i < count; i++)
        {
            lock (_lock)
            {
                kind.Starting++;
            }
            Start(kind);
        }
    }

    /// <summary>
    /// An idle worker for this launch command and runtime env, or a new one once it has started and registered. A cancelled
    /// wait withdraws itself, so requests that gave up do not keep causing worker starts (the fuzzer's lease
    /// requests with short deadlines once started ~70 processes on a 2-core node, which then missed its
    /// health checks).
    /// </summary>
    public Task<WorkerProcess> PopAsync(WorkerLaunch launch, RuntimeEnvs.PreparedRuntimeEnv? env = null, CancellationToken cancellationToken = default)
    {
        Kind kind;
        bool start;
        TaskCompletionSource<WorkerProcess> waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            // Looked up under the same lock as its use: an empty kind is pruned, and must not be pruned in between.
            kind = KindOf(launch, env);
            // Asked for again (the same code in a new job): its spares are wanted again.
            kind.Ended = false;
            if (kind.Idle.First is { } first)
            {
                kind.Idle.RemoveFirst();
                waiter = new TaskCompletionSource<WorkerProcess>();
                waiter.SetResult(first.Value);
                start = false;
            }
            else
            {
                waiter = new TaskCompletionSource<WorkerProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
                kind.Waiters.Enqueue(waiter);
                start = kind.Starting < LiveWaiters(kind);
                if (start)
                {
                    kind.Starting++;
                }
            }
        }
        if (start)
        {
            Start(kind);
        }
        StartSpares(kind);
        if (waiter.Task.IsCompleted)
        {
            return waiter.Task;
        }
        if (cancellationToken.CanBeCanceled)
        {
            // Under the lock: a waiter is either still queued (and cancelled here) or already handed a worker.
            var registration = cancellationToken.Register(() =>
            {
                lock (_lock)
                {
                    waiter.TrySetCanceled(cancellationToken);
                    PruneIfEmpty(kind);
                }
            });
            _ = waiter.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        return waiter.Task;
    }

    /// <summary>
    /// Tops this code's spare workers back up (<see cref="WarmWorkers"/>) after a pop. Memory is measured only when the
    /// count says spares are missing (most pops of a busy node find them there), and after the pop's own start, which the
    /// measurement then counts as a live worker.
    /// </summary>
    private void StartSpares(Kind kind)
    {
        var target = _config.WarmWorkers;
        if (target <= 0)
        {
            return;
        }
        lock (_lock)
        {
            if (_stopping || kind.Ended || WarmWorkers.ToStart(target, kind.Idle.Count, kind.Starting, LiveWaiters(kind), memory: null, SpareWorkerBytes) == 0)
            {
                return;
            }
        }
        var memory = SpareMemory?.Read();
        var admission = SpareAdmission;
        var budget = admission?.Measure();
        int spares;
        lock (_lock)
        {
            // The kind may have been pruned meanwhile (its last waiter cancelled): no spares for a code nobody asks for now.
            if (_stopping || kind.Ended || !_kinds.TryGetValue(kind.Key, out var current) || current != kind)
            {
                return;
            }
            spares = WarmWorkers.ToStart(target, kind.Idle.Count, kind.Starting, LiveWaiters(kind), memory, SpareWorkerBytes);
            if (admission is not null && budget is { } measured)
            {
                // Within memory admission's budget too.
                var admitted = 0;
                while (admitted < spares && admission.Admits(measured, admitted + 1))
                {
                    admitted++;
                }
                spares = admitted;
            }
            kind.Starting += spares;
        }
        for (var i = 0; i < spares; i++)
        {
            Start(kind);
        }
    }

    /// <summary>What a spare worker is taken to cost: memory admission's budget per worker (its default when admission is off).</summary>
    private long SpareWorkerBytes => _config.WorkerMemoryEstimateBytes > 0 ? _config.WorkerMemoryEstimateBytes : RayletConfig.DefaultWorkerMemoryEstimateBytes;

    // Waiters whose requests were cancelled stay queued until a worker comes by; they need no worker.
    private static int LiveWaiters(Kind kind) => kind.Waiters.Count(w => !w.Task.IsCompleted);

    /// <summary>Takes a worker back after its lease ends.</summary>
    public void Push(WorkerProcess worker)
    {
        TaskCompletionSource<WorkerProcess>? waiter = null;
        var release = false;
        lock (_lock)
        {
            if (worker.IsDead || _stopping)
            {
                return;
            }
            var kind = _kinds[worker.KindKey];
            // Completed under the lock, so a cancellation cannot slip in between and lose the worker
            // (continuations run asynchronously, not inside the lock).
            while (kind.Waiters.TryDequeue(out waiter) && !waiter.TrySetResult(worker))
            {
            }
            if (waiter is null)
            {
                // The job of this code ended (StopIdle) while the worker was starting or leased: idle, it would keep the
                // code's state here for good, since trimming starts with the other kinds' workers. It goes instead.
                release = kind.Ended;
                if (!release)
                {
                    worker.IdleSince = DateTime.UtcNow;
                    kind.Idle.AddFirst(worker);
                }
            }
        }
        if (release)
        {
            worker.Released.TrySetResult();
        }
    }

    /// <summary>A started worker says it is ready; null when the raylet did not start it.</summary>
    public WorkerProcess? Register(UniqueId id, string endpoint)
    {
        WorkerProcess? worker;
        lock (_lock)
        {
            if (!_all.TryGetValue(id, out worker) || worker.Endpoint is not null)
            {
                return null;
            }
            worker.Endpoint = endpoint;
            _kinds[worker.KindKey].Starting--;
            _kinds[worker.KindKey].FailedStarts = 0;
        }
        FreeSlotOf(worker);
        RayletLog.WorkerRegistered(_logger, worker.Pid, endpoint);
        Push(worker);
        return worker;
    }

    /// <summary>Stops workers that sat idle longer than the timeout beyond the soft limit (Ray's idle worker killing).</summary>
    public void TrimIdle()
    {
        var victims = new List<WorkerProcess>();
        lock (_lock)
        {
            var cutoff = DateTime.UtcNow - _config.IdleWorkerTimeout;
            var idle = _kinds.Values.Sum(k => k.Idle.Count);
            foreach (var kind in _kinds.Values)
            {
                while (idle > _config.IdleWorkerSoftLimit && kind.Idle.Last is { } last && last.Value.IdleSince < cutoff)
                {
                    kind.Idle.RemoveLast();
                    victims.Add(last.Value);
                    idle--;
                }
            }
        }
        foreach (var w in victims)
        {
            w.Released.TrySetResult();
        }
    }

    /// <summary>
    /// Stops the longest-idle worker of any code and env, to make room for a start the node's memory does not fit
    /// (memory admission; Ray's pool likewise kills idle workers to start others); null when none is idle.
    /// </summary>
    /// <param name="eligible">Which kinds (<see cref="KindKey"/>) it may stop a worker of.</param>
    internal WorkerProcess? StopLongestIdle(Func<string, bool> eligible)
    {
        WorkerProcess? victim = null;
        lock (_lock)
        {
            foreach (var kind in _kinds.Values)
            {
                // Newest first in each list: the last is the one idle longest.
                if (eligible(kind.Key) && kind.Idle.Last is { } last && (victim is null || last.Value.IdleSince < victim.IdleSince))
                {
                    victim = last.Value;
                }
            }
            if (victim is not null)
            {
                _kinds[victim.KindKey].Idle.Remove(victim);
            }
        }
        victim?.Released.TrySetResult();
        return victim;
    }

    /// <summary>Stops the idle workers started with this launch command, in any runtime env (their job ended); new ones start on demand.</summary>
    public void StopIdle(WorkerLaunch launch)
    {
        var victims = new List<WorkerProcess>();
        var scope = WorkerLaunchKey.Of(launch);
        lock (_lock)
        {
            foreach (var kind in _kinds.Values.Where(k => k.Scope == scope).ToList())
            {
                victims.AddRange(kind.Idle);
                kind.Idle.Clear();
                // Workers still starting or leased go when they come back (Push), unless the code is asked for again.
                kind.Ended = kind.Key != _defaultKey;
                // Its workers go when they exit (OnExited prunes then); a kind with none left goes now.
                PruneIfEmpty(kind);
            }
        }
        foreach (var w in victims)
        {
            w.Released.TrySetResult();
        }
    }

    /// <summary>
    /// Forgets a job's code that has no worker (running or starting) and no live waiter. Callers hold the
    /// lock. The default launch stays: prestarted workers use it.
    /// </summary>
    private void PruneIfEmpty(Kind kind)
    {
        if (kind.Key == _defaultKey || kind.Live > 0 || kind.Starting > 0 || LiveWaiters(kind) > 0)
        {
            return;
        }
        if (_kinds.TryGetValue(kind.Key, out var current) && current == kind)
        {
            _kinds.Remove(kind.Key);
            kind.ReleaseHolds();
        }
    }

    /// <summary>Which workers can serve a request: the same job code in the same runtime env.</summary>
    internal static string KindKey(WorkerLaunch launch, RuntimeEnvs.PreparedRuntimeEnv? env)
    {
        var scope = WorkerLaunchKey.Of(launch);
        // Workers are pooled per runtime env too: a worker started with one env's variables and directory never runs another's task.
        return env is null ? scope : scope + "\u001fenv=" + env.Key;
    }

    /// <summary>
    /// How many more requests for this code and env would get a worker without a new process start: idle workers,
    /// and starting ones no request waits for yet (prestarted). Memory admission asks before it lets a lease go.
    /// </summary>
    internal int Spare(WorkerLaunch launch, RuntimeEnvs.PreparedRuntimeEnv? env)
    {
        lock (_lock)
        {
            return _kinds.TryGetValue(KindKey(launch, env), out var kind) ? kind.Idle.Count + Math.Max(0, kind.Starting - LiveWaiters(kind)) : 0;
        }
    }

    private Kind KindOf(WorkerLaunch launch, RuntimeEnvs.PreparedRuntimeEnv? env)
    {
        var scope = WorkerLaunchKey.Of(launch);
        var key = KindKey(launch, env);
        lock (_lock)
        {
            if (!_kinds.TryGetValue(key, out var kind))
            {
                kind = new Kind(key, scope, launch, env)
                {
                    Holds = [HoldDirectory?.Invoke(launch.AppDir), env?.WorkingDir is { } dir ? HoldDirectory?.Invoke(dir) : null],
                };
                _kinds[key] = kind;
            }
            return kind;
        }
    }

    /// <summary>Launches a worker of this kind now; it holds a startup slot (<see cref="Start"/>) until it registers or exits.</summary>
    private void Launch(Kind kind)
    {
        var id = UniqueId.New();
        ProcessStartInfo psi;
        try
        {
            psi = WorkerStartInfo.Build(kind.Launch, _config, kind.Env);
        }
        catch (WorkerLaunchRefusedException ex)
        {
            ReleaseStartupSlot();
            FailStart(kind, ex);
            return;
        }
        foreach (var a in new[]
        {
            "--raylet", RayletEndpoint, "--gcs", _config.GcsEndpoint, "--node-id", _nodeId.ToString(),
            "--worker-id", id.ToString(), "--socket-dir", _config.SocketDirectory,
        })
        {
            psi.ArgumentList.Add(a);
        }
        if (RayletWireEndpoint.Length > 0)
        {
            psi.ArgumentList.Add("--raylet-wire");
            psi.ArgumentList.Add(RayletWireEndpoint);
        }
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        WorkerProcess worker;
        try
        {
            lock (_lock)
            {
                process.Start();
                worker = new WorkerProcess(id, process, kind.Scope, kind.Key) { HoldsStartupSlot = true };
                _all[id] = worker;
                kind.Live++;
            }
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            // E.g. the dotnet host is missing on this node: the lease requests waiting for it fail with why.
            process.Dispose();
            ReleaseStartupSlot();
            FailStart(kind, new WorkerLaunchRefusedException($"The worker process could not be started ({psi.FileName}): {ex.Message}", ex));
            return;
        }
        RayletLog.WorkerStarted(_logger, worker.Pid, kind.Launch.AppDir);
        _ = FreeSlotIfStuckAsync(worker);
        worker.Stdout = new WorkerOutputFile(Path.Combine(_config.LogDirectory, Common.Logging.WorkerLogNames.Name(id, worker.Pid, isError: false)), _rotation);
        worker.Stderr = new WorkerOutputFile(Path.Combine(_config.LogDirectory, Common.Logging.WorkerLogNames.Name(id, worker.Pid, isError: true)), _rotation);
        // The worker watches its stdin: when this raylet dies, even by SIGKILL, the pipe closes and it exits.
        process.OutputDataReceived += (_, e) => Forward(worker, e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => Forward(worker, e.Data, isError: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Only once both reads have begun: a worker that exits at once is disposed by OnExited (once drained), and
        // a read begun after that threw out of the pop ("StandardError has not been redirected", seen in CI with
        // /bin/false as the host). An exit before the subscription is caught by the check below (OnExited runs once).
        process.Exited += (_, _) => OnExited(worker);
        if (process.HasExited)
        {
            OnExited(worker);
        }
    }

    /// <summary>
    /// Closes a dead worker's pipes (its stdin, stdout and stderr) once its last output is forwarded, instead
    /// of when a garbage collection happens to finalize them: under worker churn a raylet otherwise held three
    /// descriptors per dead worker until its next collection (the soak saw up to 57 such pipes on one raylet).
    /// </summary>
    private static async Task DisposeOnceDrainedAsync(WorkerProcess worker)
    {
        try
        {
            // With async reads this also waits for the end of its output (a grandchild holding the pipes open
            // must not keep them forever: the wait is bounded).
            await worker.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
        }
        worker.Process.Dispose();
    }

    /// <summary>Workers of one code that die before registering, in a row, before the requests waiting for one fail.</summary>
    private const int MaxFailedStarts = 3;

    /// <summary>The process ended by SIGKILL or SIGTERM (.NET reports a signal's death as 128 + the signal).</summary>
    private static bool KilledFromOutside(WorkerProcess worker)
    {
        try
        {
            return worker.Process.ExitCode is 128 + 9 or 128 + 15;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private void RememberExited(WorkerProcess worker)
    {
        _exited.Enqueue(new WorkerTableEntry
        {
            WorkerId = worker.Id.ToByteString(),
            Pid = worker.Pid,
            Endpoint = worker.Endpoint ?? "",
            StartTimeMs = worker.StartTimeMs,
            JobId = worker.JobId,
            EndTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ExitCode = int.TryParse(ExitCode(worker), out var code) ? code : -1,
            ExitDetail = _stopping ? "the raylet stopped" : worker.Endpoint is null ? "exited while starting" : "",
        });
        while (_exited.Count > MaxExitedListed)
        {
            _exited.Dequeue();
        }
    }

    private static string ExitCode(WorkerProcess worker)
    {
        try
        {
            return worker.Process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }

    /// <summary>A worker of this kind cannot start at all: its waiters fail instead of waiting forever.</summary>
    private void FailStart(Kind kind, Exception error)
    {
        List<TaskCompletionSource<WorkerProcess>> waiters;
        lock (_lock)
        {
            kind.Starting--;
            waiters = [.. kind.Waiters];
            kind.Waiters.Clear();
            PruneIfEmpty(kind);
        }
        foreach (var waiter in waiters)
        {
            waiter.TrySetException(error);
        }
    }

    private void Forward(WorkerProcess worker, string? line, bool isError)
    {
        var file = isError ? worker.Stderr : worker.Stdout;
        if (line is null)
        {
            file?.Dispose(); // the stream's end: the worker exited
        }
        else
        {
            file?.Write(line);
            _logs.Publish(new LogLine { Pid = worker.Pid, IsError = isError, Text = line, Scope = worker.LaunchKey });
        }
    }

    private void OnExited(WorkerProcess worker)
    {
        Kind? restart = null;
        List<TaskCompletionSource<WorkerProcess>>? gaveUp = null;
        lock (_lock)
        {
            if (worker.IsDead)
            {
                return;
            }
            worker.IsDead = true;
            _all.Remove(worker.Id);
            RememberExited(worker);
            var kind = _kinds[worker.KindKey];
            kind.Live--;
            kind.Idle.Remove(worker);
            if (worker.Endpoint is null)
            {
                kind.Starting--;
                // A worker killed from outside while it started (SIGKILL or SIGTERM: an operator, the kernel's
                // OOM killer, a chaos test) says nothing about the job's code: start another, as Ray does,
                // without counting it towards giving up.
                if (KilledFromOutside(worker))
                {
                    RayletLog.WorkerKilledWhileStarting(_logger, worker.Pid);
                    if (!_stopping && kind.Starting < LiveWaiters(kind))
                    {
                        kind.Starting++;
                        restart = kind;
                    }
                }
                else if (++kind.FailedStarts >= MaxFailedStarts)
                {
                    // Workers of this code die before they register, again and again (a broken package, a
                    // missing runtime): fail the requests that wait instead of starting processes forever.
                    kind.FailedStarts = 0;
                    gaveUp = [.. kind.Waiters];
                    kind.Waiters.Clear();
                }
                // A worker that died while starting leaves its waiter unserved: start another for it.
                else if (!_stopping && kind.Starting < LiveWaiters(kind))
                {
                    kind.Starting++;
                    restart = kind;
                }
            }
            PruneIfEmpty(kind);
        }
        FreeSlotOf(worker);
        worker.Released.TrySetResult();
        RayletLog.WorkerExited(_logger, worker.Pid);
        WorkerExited?.Invoke(worker);
        _ = DisposeOnceDrainedAsync(worker);
        foreach (var waiter in gaveUp ?? [])
        {
            waiter.TrySetException(new WorkerLaunchRefusedException(
                $"Worker processes for this job exited before they registered, {MaxFailedStarts} in a row (exit code {ExitCode(worker)}); see the raylet's log and the worker's output on this node."));
        }
        if (restart is not null)
        {
            Start(restart);
        }
    }

    /// <summary>Stops every worker: asks them to exit, closes their stdin, and kills what is left.</summary>
    public async Task StopAsync()
    {
        List<WorkerProcess> all;
        lock (_lock)
        {
            _stopping = true;
            all = _all.Values.ToList();
            foreach (var kind in _kinds.Values)
            {
                while (kind.Waiters.TryDequeue(out var w))
                {
                    w.TrySetCanceled();
                }
            }
        }
        foreach (var w in all)
        {
            w.Released.TrySetResult();
            try
            {
                w.Process.StandardInput.Close();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
            }
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        foreach (var w in all)
        {
            try
            {
                await w.Process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile and its process object was disposed (DisposeOnceDrainedAsync).
            }
            catch (OperationCanceledException)
            {
                try
                {
                    w.Process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
        foreach (var w in all)
        {
            try
            {
                w.Process.WaitForExit(2000);
            }
            catch (InvalidOperationException)
            {
            }
            w.Process.Dispose();
        }
        lock (_lock)
        {
            foreach (var kind in _kinds.Values)
            {
                kind.ReleaseHolds();
            }
        }
    }

    /// <summary>The workers of one launch command in one runtime env.</summary>
    private sealed class Kind(string key, string scope, WorkerLaunch launch, RuntimeEnvs.PreparedRuntimeEnv? env)
    {
        public string Key { get; } = key;

        /// <summary>The job code's key (<see cref="WorkerLaunchKey"/>), whatever the env: its workers' output goes to its driver.</summary>
        public string Scope { get; } = scope;

        public WorkerLaunch Launch { get; } = launch;

        /// <summary>The runtime env its workers are started with; null: none.</summary>
        public RuntimeEnvs.PreparedRuntimeEnv? Env { get; } = env;

        public LinkedList<WorkerProcess> Idle { get; } = new();

        public Queue<TaskCompletionSource<WorkerProcess>> Waiters { get; } = new();

        public int Starting { get; set; }

        /// <summary>Its job ended (<see cref="StopIdle"/>) and nothing asked for it since: a worker coming back goes.</summary>
        public bool Ended { get; set; }

        /// <summary>Workers that died before registering since one last registered.</summary>
        public int FailedStarts { get; set; }

        /// <summary>Processes of this kind that have not exited (starting, idle or leased).</summary>
        public int Live { get; set; }

        /// <summary>The holds on the cached directories its workers run from (package, working dir), where they do.</summary>
        public IDisposable?[] Holds { get; init; } = [];

        public void ReleaseHolds()
        {
            foreach (var hold in Holds)
            {
                hold?.Dispose();
            }
        }
    }
}
