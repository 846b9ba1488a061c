using System.Diagnostics;
using System.Text;

namespace RaySharp.Tests.Integration.Packaging;

/// <summary>
/// Runs the dotnet CLI (or an installed tool) as a user runs it, bounded in time, with the environment a
/// fresh shell would have: nothing of the test host's MSBuild or RaySharp settings.
/// </summary>
internal static class DotnetCommand
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="args"/> in <paramref name="workingDirectory"/>; fails the test with the output unless it exits 0.</summary>
    public static string Run(string fileName, IEnumerable<string> args, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (exitCode, text, command, elapsed) = Execute(fileName, args, workingDirectory, timeout, environment);
        Assert.True(exitCode == 0, $"`{command}` exited with {exitCode} after {elapsed.TotalSeconds:0} s. Its output:\n{text}");
        return text;
    }

    /// <summary>Runs the dotnet host with <paramref name="args"/>; fails the test with the output if it exits 0 (a command that must be refused).</summary>
    public static string DotnetFailing(IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var (exitCode, text, command, _) = Execute(RaySharp.Runtime.WorkerLauncher.DotnetHost(), args, workingDirectory, timeout, environment: null);
        Assert.True(exitCode != 0, $"`{command}` succeeded but should have been refused. Its output:\n{text}");
        return text;
    }

    private static (int ExitCode, string Output, string Command, TimeSpan Elapsed) Execute(
        string fileName, IEnumerable<string> args, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        // dotnet test sets MSBuild's own variables for the test host; a nested build must find its SDK
        // as a user's shell would, and must not join a cluster the test host knows of.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("RAYSHARP_", StringComparison.Ordinal)
                || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || name.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false";
        // No build server may outlive the test: MSBuild nodes and the compiler server would keep running.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var command = $"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}";
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.Fail($"`{command}` did not finish in {timeout.TotalSeconds:0} s. Its output:\n{Text(output)}");
        }
        // The parameterless wait drains the redirected streams.
        process.WaitForExit();
        return (process.ExitCode, Text(output), command, clock.Elapsed);
    }

    /// <summary>Runs the dotnet host itself.</summary>
    public static string Dotnet(IEnumerable<string> args, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null) =>
        Run(RaySharp.Runtime.WorkerLauncher.DotnetHost(), args, workingDirectory, timeout, environment);

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
