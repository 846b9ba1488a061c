using System.IO.Compression;
using System.Security.Cryptography;

namespace RaySharp.Common.Jobs;

/// <summary>
/// A job's working directory as the job API ships it (Ray's working_dir package): a zip of the directory's
/// files, named by the SHA-256 of its bytes, <c>gcs://_raysharp_pkg_&lt;sha256&gt;.zip</c>. The client zips and
/// uploads it (<c>PUT /api/packages/gcs/&lt;name&gt;</c>); the head checks the bytes against the name before it
/// stores them in the GCS KV, and unpacks them into the job's directory. The zip is made the same way every
/// time (files in order, fixed timestamps), so an unchanged directory is uploaded once.
/// </summary>
internal static class WorkingDirPackage
{
    /// <summary>The URI scheme of packages kept in the GCS, as Ray's.</summary>
    public const string Scheme = "gcs://";

    /// <summary>The GCS KV namespace the packages live in.</summary>
    public const string KvNamespace = "working_dir";

    /// <summary>The largest package accepted (bytes of zip): the GCS keeps packages in its memory.</summary>
    public const long MaxBytes = 100L << 20;

    private const string Prefix = "_raysharp_pkg_";
    private const string Suffix = ".zip";

    // Zip's epoch: any fixed time makes equal directories give equal bytes.
    private static readonly DateTimeOffset s_fixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The package name (<c>_raysharp_pkg_&lt;sha&gt;.zip</c>) of these zip bytes.</summary>
    public static string NameOf(ReadOnlySpan<byte> zip) => Prefix + Convert.ToHexStringLower(SHA256.HashData(zip)) + Suffix;

    /// <summary>The URI a runtime env names for a package name.</summary>
    public static string UriOf(string name) => Scheme + name;

    /// <summary>Whether <paramref name="name"/> is a package name (not a path, nothing but the hash inside).</summary>
    public static bool IsName(string name) =>
        name.Length == Prefix.Length + 64 + Suffix.Length && name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(Suffix, StringComparison.Ordinal)
        && name.AsSpan(Prefix.Length, 64).ContainsAnyExcept("0123456789abcdef") is false;

    /// <summary>The package name a URI points at, or null when it is not a package URI of this cluster.</summary>
    public static string? NameFromUri(string uri) =>
        uri.StartsWith(Scheme, StringComparison.Ordinal) && IsName(uri[Scheme.Length..]) ? uri[Scheme.Length..] : null;

    /// <summary>Zips every file under <paramref name="directory"/> (relative paths, Unix permissions kept).</summary>
    /// <exception cref="ArgumentException">The directory does not exist, or the zip is larger than <see cref="MaxBytes"/>.</exception>
    public static byte[] Create(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ArgumentException($"The working directory '{directory}' does not exist.", nameof(directory));
        }
        var root = Path.GetFullPath(directory);
        var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var relative in files)
            {
                var full = Path.Combine(root, relative);
                var entry = zip.CreateEntry(relative, CompressionLevel.Optimal);
                entry.LastWriteTime = s_fixedTime;
                if (!OperatingSystem.IsWindows())
                {
                    // The high 16 bits hold the Unix mode: a script in the directory stays executable.
                    entry.ExternalAttributes = (int)File.GetUnixFileMode(full) << 16;
                }
                using var source = File.OpenRead(full);
                using var target = entry.Open();
                source.CopyTo(target);
            }
        }
        if (buffer.Length > MaxBytes)
        {
            throw new ArgumentException($"The working directory '{directory}' zips to {buffer.Length >> 20} MiB, more than the {MaxBytes >> 20} MiB a job may ship.", nameof(directory));
        }
        return buffer.ToArray();
    }
}
