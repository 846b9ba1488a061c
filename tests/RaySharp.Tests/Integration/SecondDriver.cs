using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RaySharp.Tests.Integration;

/// <summary>
/// Starts RaySharp.Tests.Driver (built next to the tests) as a real, separate driver process that joins
/// the tests' running cluster with Address = "auto", and collects the key=value lines it prints.
/// </summary>
public static class SecondDriver
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private const string DriverDll = "RaySharp.Tests.Driver.dll";

    /// <summary>
    /// Runs one scenario and waits for the process to exit. The child says Address = "auto"; RAYSHARP_ADDRESS
    /// (which "auto" honours first) names this process's cluster, because other programs on this machine may
    /// start clusters of their own meanwhile and the last one started is the one recorded for "auto".
    /// </summary>
    public static Result Run(string[] args) => Run(args, OwnGcsAddress(), recordedCluster: null);

    /// <summary>
    /// Runs one scenario with RAYSHARP_ADDRESS set to <paramref name="addressVariable"/> (null: unset) and, when
    /// <paramref name="recordedCluster"/> is given, a temp directory of its own (TMPDIR) whose recorded-cluster
    /// file says that address: what Address = "auto" reads, without the machine-wide file other programs rewrite.
    /// </summary>
    public static Result Run(string[] args, string? addressVariable, string? recordedCluster)
    {
        var start = new ProcessStartInfo(RaySharp.Runtime.WorkerLauncher.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, DriverDll));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("RAYSHARP_ADDRESS");
        if (addressVariable is not null)
        {
            start.Environment["RAYSHARP_ADDRESS"] = addressVariable;
        }
        string? tempDirectory = null;
        if (recordedCluster is not null)
        {
            // Short: the driver's unix socket path under it must stay within 108 characters.
            tempDirectory = Path.Combine(Path.GetTempPath(), $"rs2d-{Guid.NewGuid().ToString("N")[..8]}");
            var userDirectory = Path.Combine(tempDirectory, "raysharp-" + Common.Security.PrivateFiles.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Common.Security.PrivateFiles.EnsureDirectory(userDirectory);
            File.WriteAllText(Path.Combine(userDirectory, "ray_current_cluster"), recordedCluster);
            start.Environment["TMPDIR"] = tempDirectory;
        }
        try
        {
            return Run(start, string.Join(' ', args));
        }
        finally
        {
            try
            {
                if (tempDirectory is not null)
                {
                    Directory.Delete(tempDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    private static Result Run(ProcessStartInfo start, string scenario)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"The second driver ({scenario}) did not exit within {Timeout.TotalSeconds} s.\n" +
                $"stdout:\n{Text(stdout)}\nstderr:\n{Text(stderr)}");
        }
        process.WaitForExit();   // the end of the redirected streams
        return new Result(scenario, process.Id, process.ExitCode, Text(stdout), Text(stderr), clock.Elapsed);
    }

    /// <summary>The GCS address of the cluster this test process runs (what a second driver joins).</summary>
    public static string OwnGcsAddress() => Ray.GetRuntimeContext().GcsAddress;

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    /// <summary>What the second driver printed: key=value lines (the last value of a key wins), exit code and output.</summary>
    public sealed record Result(string Scenario, int Pid, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
    {
        public IReadOnlyDictionary<string, string> Values { get; } = Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2 && !parts[0].Contains(' ', StringComparison.Ordinal))
            .GroupBy(parts => parts[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);

        public string this[string key] => Values.TryGetValue(key, out var value)
            ? value
            : throw new Xunit.Sdk.XunitException($"The second driver ({Scenario}) printed no '{key}='. {Describe()}");

        public int Int(string key) => int.Parse(this[key], NumberStyles.Integer, CultureInfo.InvariantCulture);

        /// <summary>Asserts that the scenario ran to the end in a driver attached to this test process's cluster.</summary>
        public Result AssertSucceededIn(string nodeId)
        {
            Assert.True(ExitCode == 0, $"The second driver ({Scenario}) exited with {ExitCode}. {Describe()}");
            Assert.True(this["done"] == "true", Describe());
            Assert.True(this["node"] == nodeId,
                $"The second driver joined node {this["node"]}, not this cluster's node {nodeId}. {Describe()}");
            return this;
        }

        public string Describe() => $"(pid {Pid}, exit code {ExitCode}, {Elapsed.TotalSeconds:0.0} s)\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }
}
