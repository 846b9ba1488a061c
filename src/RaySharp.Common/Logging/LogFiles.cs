using System.Globalization;

namespace RaySharp.Common.Logging;

/// <summary>
/// The files of one rotated log (see <see cref="FileLoggerProvider"/>): Serilog's file sink starts at the path it
/// is given (<c>raylet.log</c>) and continues in <c>raylet_001.log</c>, <c>raylet_002.log</c>, ... as each fills up,
/// deleting the oldest, so the one being written is the highest that exists.
/// </summary>
public static class LogFiles
{
    /// <summary>The files of the log at <paramref name="path"/> that exist, oldest first.</summary>
    public static IReadOnlyList<string> Rotated(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var stem = Path.GetFileNameWithoutExtension(path);
        var extension = Path.GetExtension(path);
        var files = new List<(int Sequence, string Path)>();
        foreach (var file in Directory.EnumerateFiles(directory, stem + "*" + extension))
        {
            var name = Path.GetFileName(file);
            if (name == stem + extension)
            {
                files.Add((0, file));
            }
            else if (name.Length > stem.Length + extension.Length + 1 && name[stem.Length] == '_'
                && int.TryParse(name.AsSpan(stem.Length + 1, name.Length - stem.Length - 1 - extension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                files.Add((sequence, file));
            }
        }
        return files.OrderBy(f => f.Sequence).Select(f => f.Path).ToList();
    }

    /// <summary>The file of the log at <paramref name="path"/> being written now, or null when none exists yet.</summary>
    public static string? Current(string path) => Rotated(path) is { Count: > 0 } files ? files[^1] : null;

    /// <summary>
    /// The name a log is listed under: its files' common name (<c>raylet_003.log</c> → <c>raylet.log</c>), so a
    /// reader asks for a log, not for one of its rotated files.
    /// </summary>
    public static string LogName(string fileName)
    {
        var extension = Path.GetExtension(fileName);
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var underscore = stem.LastIndexOf('_');
        return underscore > 0 && underscore < stem.Length - 1 && stem.AsSpan(underscore + 1).IndexOfAnyExceptInRange('0', '9') < 0
            ? stem[..underscore] + extension
            : fileName;
    }
}
