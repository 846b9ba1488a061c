using System.Diagnostics;

namespace RaySharp.Cli;

/// <summary>
/// Starts a process of this CLI (another `raysharp` subcommand) through /bin/sh, its output in a log
/// file and its stdin on /dev/null, so it holds none of the caller's pipes: a caller reading our
/// output to its end is not kept waiting by a process that outlives us.
/// </summary>
internal static class ShellLaunch
{
    /// <summary>
    /// Runs `raysharp <paramref name="arguments"/>`; with <paramref name="newSession"/> under setsid, so it
    /// keeps running after the terminal and this command are gone. The process keeps the pid returned
    /// here (sh and setsid exec, never fork), which is also the pid it registers with.
    /// </summary>
    public static Process Start(IEnumerable<string> arguments, string logFile, bool newSession, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        var self = string.Join(' ', new[] { Runtime.WorkerLauncher.DotnetHost(), typeof(ShellLaunch).Assembly.Location }.Concat(arguments).Select(Quote));
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {(newSession ? "setsid " : "")}{self} > {Quote(logFile)} 2>&1 < /dev/null");
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        return Process.Start(start)!;
    }

    /// <summary>A new log file under [temp]/raysharp/cli_logs for a process the CLI starts.</summary>
    public static string NewLogFile(string kind)
    {
        var directory = Path.Combine(Common.Store.SessionPaths.BaseDirectory, "cli_logs");
        Common.Security.PrivateFiles.EnsureDirectory(directory);
        return Path.Combine(directory, $"{kind}_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Environment.ProcessId}.out");
    }

    /// <summary>What a log file holds so far, for an error message.</summary>
    public static string ReadLog(string logFile) => File.Exists(logFile) ? File.ReadAllText(logFile).Trim() : "(no output)";

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
