using System.Globalization;
using RaySharp.Common.Security;

namespace RaySharp.Raylet;

/// <summary>
/// Keeps the machine's package cache (package directories under apps/, file blobs under blobs/) within its
/// bound, least recently used first (a package's use time is its manifest's modification time, touched on
/// every use). A package directory that anyone holds (<see cref="PackageHold"/>: a job that runs here, a
/// live worker) is never evicted, so the cache may exceed the bound by what running jobs use. Blobs are only
/// a download cache (their bytes are also in the packages): those no cached package lists go before any
/// package, the rest only after every package nobody holds. Raylets of one machine share the cache: holds are taken and
/// directories evicted only under the cache-wide lock (root/.lock), so neither can slip between the other's
/// check and act.
/// </summary>
internal sealed class PackageCacheTrimmer(string root, long maxBytes)
{
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(60);
    private const string StagingMarker = ".staging-";

    private string AppsDirectory => Path.Combine(root, "apps");

    private string BlobsDirectory => Path.Combine(root, "blobs");

    /// <summary>The lock file that holds and evictions of a package directory take (next to it, so deleting the directory leaves it).</summary>
    public static string LockFileOf(string directory) => Path.TrimEndingDirectorySeparator(directory) + ".lock";

    /// <summary>A fresh directory to lay a package out in before it is renamed into place; its name says which process made it.</summary>
    public static string StagingDirectoryFor(string directory) =>
        string.Create(CultureInfo.InvariantCulture, $"{Path.TrimEndingDirectorySeparator(directory)}{StagingMarker}{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>Renames a complete staging directory into place, unless another raylet completed the same package first.</summary>
    public static void MoveIntoPlace(string staging, string directory)
    {
        var complete = Path.Combine(directory, CodePackageCache.CompleteMarker);
        if (File.Exists(complete))
        {
            return;
        }
        if (Directory.Exists(directory))
        {
            // Left without its manifest by an older layout that wrote in place: start over.
            Directory.Delete(directory, recursive: true);
        }
        try
        {
            Directory.Move(staging, directory);
        }
        catch (IOException) when (File.Exists(complete))
        {
            // Another raylet renamed the same package into place a moment ago.
        }
    }

    /// <summary>A hold on <paramref name="directory"/>, taken under the cache-wide lock.</summary>
    /// <exception cref="WorkerLaunchRefusedException">The cache stayed locked for a minute.</exception>
    public async Task<PackageHold> HoldAsync(string directory)
    {
        using var cache = await EnterAsync().ConfigureAwait(false);
        // No evictor runs while the cache lock is held, so nobody holds the file exclusively now.
        return PackageHold.TryTake(LockFileOf(directory), create: true)
            ?? throw new WorkerLaunchRefusedException($"The package directory {directory} could not be held (its lock file is locked by another process).");
    }

    /// <summary>Evicts what it may until the cache is within its bound; returns the bytes it freed.</summary>
    public async Task<long> TrimAsync()
    {
        using var cache = await EnterAsync().ConfigureAwait(false);
        return Trim();
    }

    private long Trim()
    {
        if (!Directory.Exists(AppsDirectory))
        {
            return 0;
        }
        RemoveAbandoned();
        var apps = Directory.EnumerateDirectories(AppsDirectory)
            .Where(d => !Path.GetFileName(d).Contains(StagingMarker, StringComparison.Ordinal))
            .Select(d => (Directory: d, Bytes: SizeOf(d), LastUse: LastUse(d)))
            .ToList();
        var blobs = Directory.Exists(BlobsDirectory)
            // Only finished blobs (named by their hash): a file being written has a temporary name.
            ? Directory.EnumerateFiles(BlobsDirectory).Select(f => new FileInfo(f)).Where(f => f.Exists && f.Name.Length == 64).ToList()
            : [];
        var total = apps.Sum(a => a.Bytes) + blobs.Sum(b => b.Length);
        var before = total;
        var evictable = apps.OrderBy(a => a.LastUse).ToList();
        var listed = apps.SelectMany(a => Manifest(a.Directory)).ToHashSet(StringComparer.Ordinal);
        while (total > maxBytes)
        {
            // The least valuable first: a blob no cached package lists (a download of a package since evicted),
            // then the least recently used package nobody holds, then blobs that only duplicate cached packages.
            if (blobs.Where(b => !listed.Contains(b.Name)).MinBy(b => b.LastWriteTimeUtc) is { } orphan)
            {
                TryDeleteFile(orphan.FullName);
                blobs.Remove(orphan);
                total -= orphan.Length;
                continue;
            }
            if (evictable.Count > 0)
            {
                var app = evictable[0];
                evictable.RemoveAt(0);
                if (TryEvict(app.Directory))
                {
                    apps.Remove(app);
                    total -= app.Bytes;
                    listed = apps.SelectMany(a => Manifest(a.Directory)).ToHashSet(StringComparer.Ordinal);
                }
                continue;
            }
            if (blobs.MinBy(b => b.LastWriteTimeUtc) is { } copy)
            {
                TryDeleteFile(copy.FullName);
                blobs.Remove(copy);
                total -= copy.Length;
                continue;
            }
            // What is left is held by running jobs and workers.
            break;
        }
        return before - total;
    }

    /// <summary>Deletes a package directory unless someone holds it; true when it went.</summary>
    private static bool TryEvict(string directory)
    {
        var lockFile = LockFileOf(directory);
        using var exclusive = PackageHold.TryExclusive(lockFile);
        if (exclusive is null)
        {
            // Held: a job or a worker of some raylet on this machine uses it.
            return false;
        }
        TryDeleteDirectory(directory);
        TryDeleteFile(lockFile);
        return true;
    }

    /// <summary>Staging directories of raylets that died while writing, and lock files whose directory is gone and that nobody holds.</summary>
    private void RemoveAbandoned()
    {
        foreach (var staging in Directory.EnumerateDirectories(AppsDirectory, "*" + StagingMarker + "*"))
        {
            var name = Path.GetFileName(staging);
            var pid = name[(name.IndexOf(StagingMarker, StringComparison.Ordinal) + StagingMarker.Length)..].Split('-')[0];
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != Environment.ProcessId && !Directory.Exists($"/proc/{id}"))
            {
                TryDeleteDirectory(staging);
            }
        }
        foreach (var lockFile in Directory.EnumerateFiles(AppsDirectory, "*.lock"))
        {
            if (Directory.Exists(lockFile[..^".lock".Length]))
            {
                continue;
            }
            using var exclusive = PackageHold.TryExclusive(lockFile);
            if (exclusive is not null)
            {
                TryDeleteFile(lockFile);
            }
        }
    }

    private async Task<IDisposable> EnterAsync()
    {
        PrivateFiles.EnsureDirectory(root);
        var lockFile = Path.Combine(root, ".lock");
        var giveUp = DateTime.UtcNow + s_lockTimeout;
        while (true)
        {
            if (PackageHold.TryExclusive(lockFile) is { } cache)
            {
                return cache;
            }
            if (DateTime.UtcNow > giveUp)
            {
                throw new WorkerLaunchRefusedException($"The package cache {root} stayed locked for {s_lockTimeout.TotalSeconds:0} s (another raylet of this machine holds {lockFile}).");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
        }
    }

    private static DateTime LastUse(string directory)
    {
        var complete = Path.Combine(directory, CodePackageCache.CompleteMarker);
        return File.Exists(complete) ? File.GetLastWriteTimeUtc(complete) : Directory.GetLastWriteTimeUtc(directory);
    }

    private static IEnumerable<string> Manifest(string directory)
    {
        try
        {
            return File.ReadAllLines(Path.Combine(directory, CodePackageCache.CompleteMarker)).Where(l => l.Length > 0);
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static long SizeOf(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Exists ? f.Length : 0);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDeleteFile(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
