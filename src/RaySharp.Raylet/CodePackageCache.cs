using System.Security.Cryptography;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Code shipping, the node's side: a job whose driver runs on another node brings a content-addressed
/// package of its application directory (file hashes, the bytes in the GCS KV). Before starting workers
/// for it, the raylet fetches the files it lacks into a per-machine cache, lays them out in a directory
/// of their own and starts the workers from there. Files are cached by hash, so a new build of the same
/// program only fetches what changed.
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
        var from = launch.AppDir.TrimEnd('/');
        for (var i = 0; i < local.Arguments.Count; i++)
        {
            if (local.Arguments[i].StartsWith(from, StringComparison.Ordinal))
            {
                local.Arguments[i] = directory + local.Arguments[i][from.Length..];
            }
        }
        local.AppDir = directory;
        return local;
    }

    private async Task MaterializeAsync(WorkerLaunch launch, string directory)
    {
        var gcs = new Gcs.GcsClient(ChannelPool.Get(gcsEndpoint));
        var blobs = Path.Combine(Root, "blobs");
        Directory.CreateDirectory(blobs);
        foreach (var file in launch.Package)
        {
            var blob = Path.Combine(blobs, file.Hash);
            if (!File.Exists(blob))
            {
                var entry = await gcs.KvGetAsync(new KvKey { Ns = KvNamespace, Key = file.Hash }, deadline: RpcDeadlines.Chunk()).ConfigureAwait(false);
                if (!entry.Found)
                {
                    throw new InvalidOperationException($"The job's package file {file.Path} ({file.Hash}) is not in the GCS.");
                }
                var temp = blob + ".tmp" + Environment.ProcessId;
                await File.WriteAllBytesAsync(temp, entry.Value.ToByteArray()).ConfigureAwait(false);
                File.Move(temp, blob, overwrite: true);
            }
            var target = Path.GetFullPath(Path.Combine(directory, file.Path));
            if (!target.StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The job's package names a file outside its directory: {file.Path}");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(blob, target, overwrite: true);
        }
        await File.WriteAllTextAsync(Path.Combine(directory, ".complete"), "").ConfigureAwait(false);
    }
}
