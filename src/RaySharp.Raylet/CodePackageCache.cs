using System.Security.Cryptography;
using RaySharp.Common.Ids;
using RaySharp.Common.Security;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Code shipping, the node's side: a job whose driver runs on another node brings a content-addressed
/// package of its application directory (file hashes, the bytes in the GCS KV). Before starting workers
/// for it, the raylet fetches the files it lacks into a per-machine cache, lays them out in a directory
/// of their own and starts the workers from there. Files are cached by hash, so a new build of the same
/// program only fetches what changed. Every file's SHA-256 is checked against the package's list
/// after download and before use, and the cache is private to this user (0700 directories, 0600 files).
/// The cache is bounded (<see cref="RayletConfig.PackageCacheBytes"/>, trimmed least recently used first
/// by <see cref="PackageCacheTrimmer"/>) and shared by every raylet of the machine: a directory that a
/// job or a worker uses is held (<see cref="PackageHold"/>) and never evicted.
/// </summary>
public sealed class CodePackageCache(string gcsEndpoint, UniqueId nodeId, long maxBytes = RayletConfig.DefaultPackageCacheBytes, string? root = null)
{
    public const string KvNamespace = "package";

    /// <summary>What a complete package directory holds besides its files: its manifest, one file hash a line.</summary>
    internal const string CompleteMarker = ".complete";

    private static readonly SemaphoreSlim s_gate = new(1, 1);

    /// <summary>The machine's cache directory (per user).</summary>
    public static string Root => Path.Combine(Common.Store.SessionPaths.BaseDirectory, "package_cache");

    private readonly string _root = root ?? Root;

    /// <summary>The directories of complete packages.</summary>
    internal string AppsDirectory => Path.Combine(_root, "apps");

    /// <summary>The launch to use on this node: as given on the driver's node, else pointed at a local copy of the package.</summary>
    public async Task<WorkerLaunch> LocalizeAsync(WorkerLaunch launch) => (await LocalizeAndHoldAsync(launch).ConfigureAwait(false)).Launch;

    /// <summary>
    /// As <see cref="LocalizeAsync"/>, and a hold on the local copy that keeps it from eviction until
    /// disposed (null when the launch needs no copy).
    /// </summary>
    public async Task<(WorkerLaunch Launch, PackageHold? Hold)> LocalizeAndHoldAsync(WorkerLaunch launch)
    {
        if (launch.Package.Count == 0 || launch.AppDir.Length == 0 || UniqueId.FromByteString(launch.DriverNodeId) == nodeId)
        {
            return (launch, null);
        }
        if (WorkerLaunchRules.Problem(launch) is { } problem)
        {
            throw new WorkerLaunchRefusedException($"The job's package is refused: {problem}.");
        }
        var (directory, hold) = await LocalizeFilesAsync(launch.Package).ConfigureAwait(false);
        var local = launch.Clone();
        local.AppDir = directory;
        return (local, hold);
    }

    /// <summary>
    /// A local directory laid out from <paramref name="files"/> (fetched from the GCS where this machine's cache
    /// lacks them, each verified against its hash), and a hold that keeps it from eviction until disposed. Two
    /// lists of the same files share one directory.
    /// </summary>
    /// <exception cref="WorkerLaunchRefusedException">A file is not in the GCS, does not match its hash, or names a path outside the directory.</exception>
    public async Task<(string Directory, PackageHold Hold)> LocalizeFilesAsync(IReadOnlyCollection<PackageFile> files)
    {
        var manifest = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join("\n", files.Select(f => f.Path + "=" + f.Hash)))));
        var directory = Path.Combine(AppsDirectory, manifest[..16]);
        PrivateFiles.EnsureDirectory(AppsDirectory);
        var trimmer = new PackageCacheTrimmer(_root, maxBytes);
        // Held before the directory is looked at: an evictor elsewhere either finished before (and the
        // copy is made again) or sees the hold and leaves the directory alone.
        var hold = await trimmer.HoldAsync(directory).ConfigureAwait(false);
        try
        {
            await s_gate.WaitAsync().ConfigureAwait(false);
            var made = false;
            try
            {
                var complete = Path.Combine(directory, CompleteMarker);
                if (File.Exists(complete))
                {
                    // Used now: the least recently used packages are evicted first.
                    File.SetLastWriteTimeUtc(complete, DateTime.UtcNow);
                }
                else
                {
                    await MaterializeAsync(files, directory).ConfigureAwait(false);
                    made = true;
                }
            }
            finally
            {
                s_gate.Release();
            }
            if (made)
            {
                // The cache just grew: bring it back under its bound (the package held here is never evicted).
                await trimmer.TrimAsync().ConfigureAwait(false);
            }
        }
        catch
        {
            hold.Dispose();
            throw;
        }
        return (directory, hold);
    }

    /// <summary>
    /// A hold on the cached package a launch runs from, when it runs from one and the copy is still
    /// there (for the worker pool: a job code's workers keep their directory while any of them lives).
    /// </summary>
    public PackageHold? TryHold(WorkerLaunch launch) => TryHold(launch.AppDir);

    /// <summary>A hold on a cached directory (a package or a runtime env's working dir); null when <paramref name="directory"/> is not one.</summary>
    public PackageHold? TryHold(string directory) =>
        Path.GetDirectoryName(Path.GetFullPath(directory.Length > 0 ? directory : "/")) == Path.GetFullPath(AppsDirectory)
            ? PackageHold.TryTake(PackageCacheTrimmer.LockFileOf(directory), create: false)
            : null;

    private async Task MaterializeAsync(IReadOnlyCollection<PackageFile> files, string directory)
    {
        var gcs = new Gcs.GcsClient(ChannelPool.Get(gcsEndpoint));
        var blobs = PrivateFiles.EnsureDirectory(Path.Combine(PrivateFiles.EnsureDirectory(_root), "blobs"));
        // Laid out under a name of its own and renamed into place when complete: two raylets of this
        // machine making the same package never write into one directory, and a raylet that dies while
        // writing leaves only a temporary directory, which a trim removes.
        var staging = PackageCacheTrimmer.StagingDirectoryFor(directory);
        PrivateFiles.EnsureDirectory(staging);
        try
        {
            var root = Path.GetFullPath(staging) + Path.DirectorySeparatorChar;
            foreach (var file in files)
            {
                var blob = Path.Combine(blobs, file.Hash);
                var bytes = await ReadBlobAsync(blob).ConfigureAwait(false);
                if (bytes is null)
                {
                    var entry = await gcs.KvGetAsync(new KvKey { Ns = KvNamespace, Key = file.Hash }, deadline: RpcDeadlines.Chunk()).ConfigureAwait(false);
                    if (!entry.Found)
                    {
                        throw new WorkerLaunchRefusedException($"The job's package file {file.Path} ({file.Hash}) is not in the GCS.");
                    }
                    bytes = entry.Value.ToByteArray();
                }
                // Verified before use, cached or fresh: bytes that are not what the driver hashed never run.
                var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (actual != file.Hash)
                {
                    TryDelete(blob);
                    throw new WorkerLaunchRefusedException(
                        $"The job's package file {file.Path} does not match its hash (expected {file.Hash}, got {actual}): nothing of the package runs.");
                }
                if (!File.Exists(blob))
                {
                    PrivateFiles.WriteAllBytes(blob, bytes);
                }
                var target = Path.GetFullPath(Path.Combine(staging, file.Path));
                if (!target.StartsWith(root, StringComparison.Ordinal))
                {
                    throw new WorkerLaunchRefusedException($"The job's package names a file outside its directory: {file.Path}");
                }
                PrivateFiles.EnsureDirectory(Path.GetDirectoryName(target)!);
                PrivateFiles.WriteAllBytes(target, bytes);
            }
            // The manifest: which blobs this package uses, so a trim knows which blobs are copies of live packages.
            PrivateFiles.WriteAllText(Path.Combine(staging, CompleteMarker), string.Join("\n", files.Select(f => f.Hash).Distinct()));
            PackageCacheTrimmer.MoveIntoPlace(staging, directory);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>A cached blob's bytes; null when it is not cached (or a trim removed it just now).</summary>
    private static async Task<byte[]?> ReadBlobAsync(string blob)
    {
        try
        {
            return File.Exists(blob) ? await File.ReadAllBytesAsync(blob).ConfigureAwait(false) : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
