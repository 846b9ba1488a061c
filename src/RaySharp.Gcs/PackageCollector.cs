using System.Collections.Concurrent;

namespace RaySharp.Gcs;

/// <summary>
/// Deletes job code package files from the KV (namespace <see cref="KvNamespace"/>) once no job
/// references them (Ray deletes a job's runtime-env packages when their reference count drops to zero).
/// Files are content-addressed and shared by every job built from the same bytes, so a file goes only when
/// no job in the job table — running, or finished but kept for its detached actors — lists it. A file
/// uploaded or asked for (KvMissing, KvPut) within <see cref="GcsOptions.PackageGracePeriod"/> stays
/// too: between a driver's upload and its job's registration nothing references it yet (Ray's temporary
/// URI reference). Runs when a job is removed and on a timer, so a file whose grace ends later still goes.
/// </summary>
internal sealed class PackageCollector : IDisposable
{
    /// <summary>The KV namespace of code package files (the same name the driver and the raylets use).</summary>
    public const string KvNamespace = "package";

    private readonly GcsTables _tables;
    private readonly TimeSpan _grace;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);
    private readonly Lock _collecting = new();
    private readonly ITimer _timer;

    public PackageCollector(GcsTables tables, GcsOptions options, TimeProvider? time = null)
    {
        _tables = tables;
        _grace = options.PackageGracePeriod;
        _time = time ?? TimeProvider.System;
        // Files loaded from storage by a restarted GCS count as touched now: a driver may be uploading.
        _startedAt = _time.GetUtcNow();
        tables.JobRemoved += () => Collect();
        var period = TimeSpan.FromTicks(Math.Clamp(_grace.Ticks / 2, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        _timer = _time.CreateTimer(_ => Collect(), null, period, period);
    }

    /// <summary>
    /// A driver is about to upload these files or to be told the KV has them: it will reference them.
    /// Under the collection lock, so a file is either touched before a collection looks at it or deleted
    /// before the caller checks the KV for it (and then uploaded again).
    /// </summary>
    public void Touch(IEnumerable<string> keys)
    {
        lock (_collecting)
        {
            var now = _time.GetUtcNow();
            foreach (var key in keys)
            {
                _touched[key] = now;
            }
        }
    }

    /// <summary>Deletes the package files no job references and nobody touched within the grace period; returns how many.</summary>
    public int Collect()
    {
        lock (_collecting)
        {
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            foreach (var job in _tables.Jobs.Values)
            {
                if (job.WorkerLaunch is { } launch)
                {
                    referenced.UnionWith(launch.Package.Select(f => f.Hash));
                }
            }
            var cutoff = _time.GetUtcNow() - _grace;
            var deleted = 0;
            foreach (var (ns, key) in _tables.Kv.Keys)
            {
                if (ns != KvNamespace || referenced.Contains(key) || _touched.GetValueOrDefault(key, _startedAt) > cutoff)
                {
                    continue;
                }
                if (_tables.DeleteKv(ns, key))
                {
                    deleted++;
                }
                _touched.TryRemove(key, out _);
            }
            // Touches of files that were never uploaded (a driver that gave up) would otherwise stay.
            foreach (var key in _touched.Keys)
            {
                if (!_tables.Kv.ContainsKey((KvNamespace, key)) && _touched.GetValueOrDefault(key) <= cutoff)
                {
                    _touched.TryRemove(key, out _);
                }
            }
            return deleted;
        }
    }

    public void Dispose() => _timer.Dispose();
}
