using System.Security.Cryptography;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Common.Transport;

namespace RaySharp.Runtime;

/// <summary>
/// Directory shipping, the driver's side: a directory is hashed file by file, the files the GCS does not
/// hold yet are uploaded to its KV (namespace "package"), and the list of (path, hash) goes with the request
/// so raylets rebuild the directory (see the raylet's CodePackageCache). Used for the job's application
/// directory (its code) and for runtime environments' working dirs.
/// </summary>
internal static class CodePackage
{
    public const string KvNamespace = "package";

    public static async Task AttachAsync(WorkerLaunch launch, Protocol.Gcs.GcsClient gcs, UniqueId driverNode)
    {
        // At start-up, before the driver runs any work: the upload's blocking calls hold no one up.
        var files = await Task.Run(() => Upload(gcs, launch.AppDir)).ConfigureAwait(false);
        launch.DriverNodeId = driverNode.ToByteString();
        launch.Package.AddRange(files);
    }

    /// <summary>Uploads the files of <paramref name="directory"/> the GCS lacks; its files by content hash, in path order.</summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file may not be read.</exception>
    /// <exception cref="Grpc.Core.RpcException">The GCS cannot be reached.</exception>
    public static List<PackageFile> Upload(Protocol.Gcs.GcsClient gcs, string directory)
    {
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(path => (Relative: Path.GetRelativePath(directory, path), Path: path))
            .Where(f => !f.Relative.StartsWith("..", StringComparison.Ordinal))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .Select(f => (f.Relative, f.Path, Hash: Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f.Path)))))
            .ToList();
        var query = new KvKeyList { Ns = KvNamespace };
        query.Keys.AddRange(files.Select(f => f.Hash).Distinct());
        var missing = gcs.KvMissing(query, deadline: RpcDeadlines.Control()).Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var file in files.Where(f => missing.Remove(f.Hash)))
        {
            gcs.KvPut(new KvEntry
            {
                Ns = KvNamespace,
                Key = file.Hash,
                Value = Google.Protobuf.ByteString.CopyFrom(File.ReadAllBytes(file.Path)),
            }, deadline: RpcDeadlines.Chunk());
        }
        return files.Select(f => new PackageFile { Path = f.Relative, Hash = f.Hash }).ToList();
    }
}
