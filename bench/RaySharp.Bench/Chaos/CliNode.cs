using System.Diagnostics;
using System.Globalization;

namespace RaySharp.Bench.Chaos;

/// <summary>One node of a loopback cluster as its own `raysharp start --block` process, so a run can kill it.</summary>
public sealed class CliNode : IDisposable
{
    private CliNode(Process process) => Process = process;

    public Process Process { get; }

    /// <summary>
    /// Starts a node (a head when <paramref name="address"/> is null) and returns once it serves. Its object
    /// store is <paramref name="storeBytes"/>: 512 MiB unless given (the soak wants a small one, so it spills sooner).
    /// </summary>
    public static CliNode Start(string? address, int port, int cpus, string[]? more = null, long storeBytes = 512L << 20)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RaySharp.Cli.dll"));
        string[] role = address is null ? ["--head", "--port", port.ToString(CultureInfo.InvariantCulture)] : ["--address", address];
        foreach (var a in (string[])["start", "--block", .. role,
            "--num-cpus", cpus.ToString(CultureInfo.InvariantCulture), "--object-store-memory", storeBytes.ToString(CultureInfo.InvariantCulture), .. more ?? []])
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("RAYSHARP_ADDRESS");
        var process = Process.Start(start)!;
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(" is up:", StringComparison.Ordinal) == true)
            {
                up.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => Console.Error.WriteLine("  node: " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!up.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("A node did not start within 60 s.");
        }
        return new CliNode(process);
    }

    public void Kill()
    {
        Process.Kill();
        Process.WaitForExit();
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            // SIGTERM first: the node stops its workers and its GCS child and removes its files.
            using var term = Process.Start("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)]);
            term.WaitForExit();
            if (!Process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                Process.Kill(entireProcessTree: true);
            }
        }
        Process.Dispose();
    }
}
