using RaySharp.Protocol;

namespace RaySharp.Common.Security;

/// <summary>
/// What a job's <see cref="WorkerLaunch"/> may hold, checked by the GCS when the job registers and again
/// by every raylet before it uses one: file names that stay inside the application directory, package
/// paths that cannot climb out of it, and content hashes that are SHA-256 in hex (they become file
/// names in the package cache, so "../x" or "/tmp/x" must never get that far).
/// </summary>
public static class WorkerLaunchRules
{
    /// <summary>Why <paramref name="launch"/> is refused, or null when it is well formed.</summary>
    public static string? Problem(WorkerLaunch launch)
    {
        if (launch.AppDir.Length > 0 && !Path.IsPathFullyQualified(launch.AppDir))
        {
            return $"the application directory must be an absolute path, not '{launch.AppDir}'";
        }
        if ((FileNameProblem(launch.DepsFile, ".deps.json") ?? FileNameProblem(launch.RuntimeConfig, ".runtimeconfig.json")) is { } name)
        {
            return name;
        }
        foreach (var file in launch.Package)
        {
            if (!IsSha256Hex(file.Hash))
            {
                return $"package file '{file.Path}' has hash '{Shorten(file.Hash)}', which is not a SHA-256 (64 hex digits)";
            }
            if (RelativePathProblem(file.Path) is { } path)
            {
                return path;
            }
        }
        return null;
    }

    /// <summary>Whether <paramref name="hash"/> is 64 lowercase hex digits, the form the package cache names files by.</summary>
    public static bool IsSha256Hex(string hash) => hash.Length == 64 && hash.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    private static string? FileNameProblem(string name, string suffix) =>
        name.Length == 0 || (name.EndsWith(suffix, StringComparison.Ordinal) && name == Path.GetFileName(name) && name != suffix && !name.Contains('\\', StringComparison.Ordinal))
            ? null
            : $"'{Shorten(name)}' is not a plain *{suffix} file name in the application directory";

    private static string? RelativePathProblem(string path)
    {
        if (path.Length == 0 || path.Length > 4096 || Path.IsPathRooted(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            return $"package path '{Shorten(path)}' is not a relative path";
        }
        foreach (var segment in path.Split('/', '\\'))
        {
            if (segment is "" or "." or "..")
            {
                return $"package path '{Shorten(path)}' leaves its directory or has an empty segment";
            }
        }
        return null;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
