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
/// </summary>
public sealed class CodePackageCache(string gcsEndpoint, UniqueId nodeId)
{
    public const string KvNamespace = "package";

    private static readonly SemaphoreSlim s_gate = new(1, 1);

    public static string Root => Path.Combine(Common.Store.SessionPaths.BaseDirectory, "package_cache");

    /// <summary>The launch to use on this node: as given on the driver's node, else pointed at a local copy of the package.</summary>
    public async Task<WorkerLaunch> LocalizeAsync(WorkerLaunch launch)
    {
        if (launch.Package.Count == 0 || launch.AppDir.Length == 0 || UniqueId.FromByteString(launch.DriverNodeId) == nodeId)
        {
            return launch;
        }
        if (WorkerLaunchRules.Problem(launch) is { } problem)
        {
            throw new WorkerLaunchRefusedException($"The job's package is refused: {problem}.");
        }
        var manifest = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join("\n", launch.Package.Select(f => f.Path + "=" + f.Hash)))));
        var directory = Path.Combine(Root, "apps", manifest[..16]);
        await s_gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!File.Exists(Path.Combine(directory, ".complete")))
            {
                await MaterializeAsync(launch, directory).ConfigureAwait(false);
            }
        }
        finally
        {
            s_gate.Release();
        }
        var local = launch.Clone();
        local.AppDir = directory;
        return local;
    }

    private async Task MaterializeAsync(WorkerLaunch launch, string directory)
    {
        var gcs = new Gcs.GcsClient(ChannelPool.Get(gcsEndpoint));
        var blobs = PrivateFiles.EnsureDirectory(Path.Combine(PrivateFiles.EnsureDirectory(Root), "blobs"));
        PrivateFiles.EnsureDirectory(Path.Combine(Root, "apps"));
        if (Directory.Exists(directory))
        {
            // Left half-written by a raylet that died while laying it out: start over.
            Directory.Delete(directory, recursive: true);
        }
        PrivateFiles.EnsureDirectory(directory);
        var root = Path.GetFullPath(directory) + Path.DirectorySeparatorChar;
        foreach (var file in launch.Package)
        {
            var blob = Path.Combine(blobs, file.Hash);
            byte[] bytes;
            if (File.Exists(blob))
            {
                bytes = await File.ReadAllBytesAsync(blob).ConfigureAwait(false);
            }
            else
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
            var target = Path.GetFullPath(Path.Combine(directory, file.Path));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new WorkerLaunchRefusedException($"The job's package names a file outside its directory: {file.Path}");
            }
            PrivateFiles.EnsureDirectory(Path.GetDirectoryName(target)!);
            PrivateFiles.WriteAllBytes(target, bytes);
        }
        PrivateFiles.WriteAllText(Path.Combine(directory, ".complete"), "");
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
