using System.Diagnostics;
using System.Net.Sockets;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration.Reliability;

/// <summary>
/// A worker's last lifeline: when its raylet's process is gone its stdin pipe closes, and the worker exits even if
/// the raylet's socket still accepts (here: a socket that accepts and never answers, so nothing else ends it).
/// </summary>
public sealed class WorkerLifelineTests
{
    [Fact]
    public void A_worker_whose_stdin_closes_exits_while_its_raylet_never_answers()
    {
        var dir = Directory.CreateTempSubdirectory("raysharp-lifeline-");
        var path = Path.Combine(dir.FullName, "raylet.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        var held = new System.Collections.Concurrent.ConcurrentQueue<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    held.Enqueue(await listener.AcceptAsync().ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        });
        var app = AppContext.BaseDirectory;
        var start = new ProcessStartInfo(WorkerLauncher.DotnetHost()) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["exec", "--depsfile", Path.Combine(app, "RaySharp.Tests.deps.json"), "--runtimeconfig", Path.Combine(app, "RaySharp.Tests.runtimeconfig.json"),
            Path.Combine(app, "RaySharp.dll"), "--worker-id", "01", "--node-id", "01", "--raylet", "unix:" + path, "--gcs", "unix:" + path, "--socket-dir", dir.FullName])
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        try
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            // Connected and waiting on the silent raylet: still running after a while.
            Eventually.True(() => !held.IsEmpty, TimeSpan.FromSeconds(60), "the worker to connect to the silent raylet");
            Assert.False(process.WaitForExit(TimeSpan.FromSeconds(2)), "the worker exited before its stdin closed");

            process.StandardInput.Close();

            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the worker did not exit within 30 s of its stdin closing");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            listener.Dispose();
            foreach (var socket in held.ToArray())
            {
                socket.Dispose();
            }
            dir.Delete(recursive: true);
        }
    }
}
