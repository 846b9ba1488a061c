using System.Diagnostics;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Starts, reuses and stops the node's worker processes. Workers are prestarted, handed out idle when
/// one is free, started on demand when none is, and stopped when too many sit idle for too long.
/// </summary>
public sealed class WorkerPool
{
    private readonly Lock _lock = new();
    private readonly RayletConfig _config;
    private readonly UniqueId _nodeId;
    private readonly LogBroadcaster _logs;
    private readonly Dictionary<UniqueId, WorkerProcess> _all = [];
    private readonly LinkedList<WorkerProcess> _idle = new();
    private readonly Queue<TaskCompletionSource<WorkerProcess>> _waiters = new();
    private int _starting;
    private bool _stopping;

    public WorkerPool(RayletConfig config, UniqueId nodeId, LogBroadcaster logs)
    {
        _config = config;
        _nodeId = nodeId;
        _logs = logs;
    }

    /// <summary>Raised (outside the pool's lock) when a worker process exits.</summary>
    public event Action<WorkerProcess>? WorkerExited;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _all.Count;
            }
        }
    }

    public IReadOnlyList<int> Pids()
    {
        lock (_lock)
        {
            return _all.Values.Select(w => w.Pid).ToList();
        }
    }

    public void Prestart(int count)
    {
        for (var i = 0; i < count; i++)
        {
            lock (_lock)
            {
                _starting++;
            }
            Start();
        }
    }

    /// <summary>An idle worker, or a new one once it has started and registered.</summary>
    public Task<WorkerProcess> PopAsync()
    {
        bool start;
        TaskCompletionSource<WorkerProcess> waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_idle.First is { } first)
            {
                _idle.RemoveFirst();
                return Task.FromResult(first.Value);
            }
            waiter = new TaskCompletionSource<WorkerProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
            start = _starting < _waiters.Count;
            if (start)
            {
                _starting++;
            }
        }
        if (start)
        {
            Start();
        }
        return waiter.Task;
    }

    /// <summary>Takes a worker back after its lease ends.</summary>
    public void Push(WorkerProcess worker)
    {
        TaskCompletionSource<WorkerProcess>? waiter = null;
        lock (_lock)
        {
            if (worker.IsDead || _stopping)
            {
                return;
            }
            if (!_waiters.TryDequeue(out waiter))
            {
                worker.IdleSince = DateTime.UtcNow;
                _idle.AddFirst(worker);
            }
        }
        waiter?.TrySetResult(worker);
    }

    /// <summary>A started worker says it is ready; false when the raylet did not start it.</summary>
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
            _starting--;
        }
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
            while (_idle.Count > _config.IdleWorkerSoftLimit && _idle.Last is { } last && last.Value.IdleSince < cutoff)
            {
                _idle.RemoveLast();
                victims.Add(last.Value);
            }
        }
        foreach (var w in victims)
        {
            w.Released.TrySetResult();
        }
    }

    private void Start()
    {
        var id = UniqueId.New();
        var psi = new ProcessStartInfo(_config.WorkerCommand.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in _config.WorkerCommand.Arguments)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in new[]
        {
            "--raylet", _config.Endpoint, "--gcs", _config.GcsEndpoint, "--node-id", _nodeId.ToString(),
            "--worker-id", id.ToString(), "--store", _config.ObjectStoreDirectory, "--socket-dir", _config.SocketDirectory,
        })
        {
            psi.ArgumentList.Add(a);
        }
        if (_config.WorkerCommand.Environment is { } env)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        WorkerProcess worker;
        lock (_lock)
        {
            process.Start();
            worker = new WorkerProcess(id, process);
            _all[id] = worker;
        }
        process.Exited += (_, _) => OnExited(worker);
        // The worker watches its stdin: when this raylet dies, even by SIGKILL, the pipe closes and it exits.
        process.OutputDataReceived += (_, e) => Forward(worker, e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => Forward(worker, e.Data, isError: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (process.HasExited)
        {
            OnExited(worker);
        }
    }

    private void Forward(WorkerProcess worker, string? line, bool isError)
    {
        if (line is not null)
        {
            _logs.Publish(new LogLine { Pid = worker.Pid, IsError = isError, Text = line });
        }
    }

    private void OnExited(WorkerProcess worker)
    {
        bool restart;
        lock (_lock)
        {
            if (worker.IsDead)
            {
                return;
            }
            worker.IsDead = true;
            _all.Remove(worker.Id);
            _idle.Remove(worker);
            var neverRegistered = worker.Endpoint is null;
            if (neverRegistered)
            {
                _starting--;
            }
            // A worker that died while starting leaves its waiter unserved: start another for it.
            restart = !_stopping && neverRegistered && _starting < _waiters.Count;
            if (restart)
            {
                _starting++;
            }
        }
        worker.Released.TrySetResult();
        WorkerExited?.Invoke(worker);
        if (restart)
        {
            Start();
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
            while (_waiters.TryDequeue(out var w))
            {
                w.TrySetCanceled();
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
    }
}
