using System.ComponentModel;
using System.Diagnostics;
using RaySharp.Bench.Chaos;

namespace RaySharp.Bench.Soak;

/// <summary>
/// SIGKILLs a random worker process of the cluster at a fixed period, on a thread of its own, until
/// disposed. Only workers that have run for <see cref="MinimumAge"/>: like Ray's chaos killer, which
/// kills workers that run tasks, this tests recovery from a dead worker, not the raylet's rule that a
/// job whose workers keep dying before they register cannot start workers (on two busy cores a worker
/// may take seconds to register, and three kills of starting workers in a row fail the job's leases).
/// </summary>
public sealed class WorkerKiller : IDisposable
{
    public static readonly TimeSpan MinimumAge = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public WorkerKiller(string gcsAddress, TimeSpan period, int seed, SoakCounters counters)
    {
        _thread = new Thread(() => Loop(gcsAddress, period, new Random(seed), counters)) { IsBackground = true, Name = "soak killer" };
        if (period > TimeSpan.Zero)
        {
            _thread.Start();
        }
    }

    private void Loop(string gcsAddress, TimeSpan period, Random random, SoakCounters counters)
    {
        while (!_stop.Token.WaitHandle.WaitOne(period))
        {
            // Workers of every job, the come-and-go drivers' included: they name the GCS on their command line.
            var workers = ClusterProcesses.Workers(gcsAddress).Where(w => ProcessAge.Of(w) >= MinimumAge).ToList();
            if (workers.Count == 0)
            {
                continue;
            }
            try
            {
                using var victim = Process.GetProcessById(workers[random.Next(workers.Count)]);
                victim.Kill();
                counters.AddWorkerKilled();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Win32Exception)
            {
                // It exited by itself meanwhile.
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The worker killer did not stop within 30 s.");
        }
        _stop.Dispose();
    }
}
