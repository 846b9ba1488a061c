using System.Security.Cryptography;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Common.Transport;

namespace RaySharp.Runtime;

/// <summary>
/// Code shipping, the driver's side: the application directory is hashed file by file, the files the
/// GCS does not hold yet are uploaded to its KV (namespace "package"), and the list goes with the job's
/// worker launch so raylets of other nodes can rebuild the directory (see the raylet's CodePackageCache).
/// </summary>
internal static class CodePackage
{
    public const string KvNamespace = "package";

    public static async Task AttachAsync(WorkerLaunch launch, Protocol.Gcs.GcsClient gcs, UniqueId driverNode)
    {
        var appDir = launch.AppDir;
        var files = Directory.EnumerateFiles(appDir, "*", SearchOption.AllDirectories)
            .Select(path => (Relative: Path.GetRelativePath(appDir, path), Path: path))
            .Where(f => !f.Relative.StartsWith("..", StringComparison.Ordinal))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .Select(f => (f.Relative, f.Path, Hash: Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f.Path)))))
            .ToList();
        var query = new KvKeyList { Ns = KvNamespace };
        query.Keys.AddRange(files.Select(f => f.Hash).Distinct());
        var missing = (await gcs.KvMissingAsync(query, deadline: RpcDeadlines.Control()).ConfigureAwait(false)).Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var file in files.Where(f => missing.Remove(f.Hash)))
        {
            await gcs.KvPutAsync(new KvEntry
            {
                Ns = KvNamespace,
                Key = file.Hash,
                Value = Google.Protobuf.ByteString.CopyFrom(await File.ReadAllBytesAsync(file.Path).ConfigureAwait(false)),
            }, deadline: RpcDeadlines.Chunk()).ConfigureAwait(false);
        }
        launch.DriverNodeId = driverNode.ToByteString();
        launch.Package.AddRange(files.Select(f => new PackageFile { Path = f.Relative, Hash = f.Hash }));
    }
}
