using System.Diagnostics;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration;

/// <summary>The raysharp CLI as a user runs it: a process of its own, run to its end within a bound.</summary>
internal static class CliRunner
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs <c>raysharp args…</c>; its exit code and its output (stdout, then stderr). RAYSHARP_ADDRESS is never inherited.</summary>
    public static (int ExitCode, string Output) Run(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(WorkerLauncher.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RaySharp.Cli.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("RAYSHARP_ADDRESS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"raysharp {string.Join(' ', args)} did not finish in {s_timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, Eventually.Result(stdout, s_timeout, "the CLI's output") + Eventually.Result(stderr, s_timeout, "the CLI's errors"));
    }
}
