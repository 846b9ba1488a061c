using System.Diagnostics;
using System.Text;

namespace RaySharp.Tests.Integration;

/// <summary>
/// A second driver process (RaySharp.Tests.Driver) left running in the background: for scenarios that
/// print what they set up and then wait to be killed. Its key=value lines are collected as they come.
/// </summary>
public sealed class BackgroundDriver : IDisposable
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly StringBuilder _output = new();

    /// <summary>Starts the scenario; <paramref name="address"/> is passed as --address when given.</summary>
    public BackgroundDriver(string[] args, string? address = null)
    {
        var start = new ProcessStartInfo(RaySharp.Runtime.WorkerLauncher.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RaySharp.Tests.Driver.dll"));
        foreach (var arg in address is null ? args : [.. args, "--address", address])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("RAYSHARP_ADDRESS");
        Process = new Process { StartInfo = start };
        Process.OutputDataReceived += (_, e) => Received(e.Data, stdout: true);
        Process.ErrorDataReceived += (_, e) => Received(e.Data, stdout: false);
        Process.Start();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Waits until the driver printed <paramref name="key"/>= and returns its value; fails with its output if it exits first or takes longer than <paramref name="timeout"/>.</summary>
    public string WaitFor(string key, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_values)
            {
                if (_values.TryGetValue(key, out var value))
                {
                    return value;
                }
            }
            if (Process.HasExited || clock.Elapsed > timeout)
            {
                Assert.Fail($"The background driver (pid {Process.Id}) printed no '{key}=' {(Process.HasExited ? $"before it exited with {Process.ExitCode}" : $"within {timeout.TotalSeconds:0} s")}. Its output:\n{Output()}");
            }
            Thread.Sleep(50);
        }
    }

    public string Output()
    {
        lock (_values)
        {
            return _output.ToString();
        }
    }

    /// <summary>SIGKILLs the driver (no chance to clean up) and waits until it is gone.</summary>
    public void Kill()
    {
        Process.Kill();
        Assert.True(Process.WaitForExit(TimeSpan.FromSeconds(10)), $"the driver {Process.Id} did not exit after SIGKILL");
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        Process.Dispose();
    }

    private void Received(string? line, bool stdout)
    {
        if (line is null)
        {
            return;
        }
        lock (_values)
        {
            _output.AppendLine(line);
            if (stdout && line.Split('=', 2) is [var key, var value] && !key.Contains(' ', StringComparison.Ordinal))
            {
                _values[key] = value;
            }
        }
    }
}
