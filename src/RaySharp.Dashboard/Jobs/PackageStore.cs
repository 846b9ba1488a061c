using RaySharp.Common.Jobs;

namespace RaySharp.Dashboard.Jobs;

/// <summary>
/// Working-directory packages (<see cref="WorkingDirPackage"/>) in the GCS KV: stored only when their bytes
/// hash to their name (so a name always means the same files), read back and checked again before a job
/// unpacks them, and removed once no job record names them.
/// </summary>
internal sealed class PackageStore(GcsKv kv)
{
    /// <exception cref="JobApiException">The name is not a package name, or the bytes are not the package it names.</exception>
    public async Task PutAsync(string name, byte[] zip, CancellationToken cancellationToken)
    {
        CheckName(name);
        if (WorkingDirPackage.NameOf(zip) != name)
        {
            throw JobApiException.BadRequest($"The package's bytes do not hash to its name {name}: upload the zip under the name of its SHA-256.");
        }
        await kv.PutAsync(WorkingDirPackage.KvNamespace, name, zip, cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken)
    {
        CheckName(name);
        return kv.ContainsAsync(WorkingDirPackage.KvNamespace, name, cancellationToken);
    }

    /// <summary>The package's bytes, checked against its name; null when it is not stored.</summary>
    public async Task<byte[]?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var zip = await kv.GetAsync(WorkingDirPackage.KvNamespace, name, cancellationToken).ConfigureAwait(false);
        return zip is null || WorkingDirPackage.NameOf(zip) == name ? zip : throw new InvalidDataException($"The stored package {name} does not match its SHA-256.");
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken) => kv.DeleteAsync(WorkingDirPackage.KvNamespace, name, cancellationToken);

    private static void CheckName(string name)
    {
        if (!WorkingDirPackage.IsName(name))
        {
            throw JobApiException.BadRequest($"'{name}' is not a package name: packages are named _raysharp_pkg_<sha256 of the zip, 64 lowercase hex digits>.zip.");
        }
    }
}
