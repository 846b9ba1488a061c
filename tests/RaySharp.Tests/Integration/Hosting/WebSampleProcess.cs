using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace RaySharp.Tests.Integration.Hosting;

/// <summary>
/// The web sample as a program of its own (`dotnet RaySharp.WebSample.dll --urls http://127.0.0.1:0`), as a user
/// runs it: its own embedded cluster, a real Kestrel port read from its "Now listening on" line, its console
/// collected line by line. Dispose kills it (and its cluster's processes) if a test left it running.
/// </summary>
public sealed partial class WebSampleProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    public WebSampleProcess(params string[] args)
    {
        var start = new ProcessStartInfo(RaySharp.Runtime.WorkerLauncher.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "RaySharp.WebSample.dll"), "--urls", "http://127.0.0.1:0", .. args])
        {
            start.ArgumentList.Add(arg);
        }
        // This test process's own cluster exports its address: the sample must start a cluster of its own.
        start.Environment.Remove("RAYSHARP_ADDRESS");
        Process = new Process { StartInfo = start };
        Process.OutputDataReceived += (_, e) => Received(e.Data);
        Process.ErrorDataReceived += (_, e) => Received(e.Data);
        Process.Start();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Waits for Kestrel's "Now listening on" line; the address it names.</summary>
    public Uri WaitUntilListening(TimeSpan timeout)
    {
        WaitForLine("Now listening on: http://", timeout);
        return new Uri(ListeningLine().Match(Output()).Groups[1].Value);
    }

    /// <summary>Waits until the app printed a line containing <paramref name="text"/>; fails with its output if it exits first or takes longer.</summary>
    public void WaitForLine(string text, TimeSpan timeout) =>
        Eventually.True(() => Output().Contains(text, StringComparison.Ordinal) || Process.HasExited, timeout, $"the web sample to print '{text}'. Its output:\n{Output()}");

    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        Process.Dispose();
    }

    private void Received(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
