using System.Diagnostics;
using System.Globalization;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration;

/// <summary>A raylet that dies, even by SIGKILL, leaves nothing of its object store behind.</summary>
[Collection("Cluster")]
public class StoreCleanupTests
{
    [Fact]
    public void Killing_a_driver_with_an_embedded_raylet_returns_its_store_memory_and_leaves_no_files()
    {
        var shmBefore = ShmEntries();
        var start = new ProcessStartInfo(WorkerLauncher.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RaySharp.Tests.Driver.dll"));
        start.ArgumentList.Add("own-cluster-store");
        start.ArgumentList.Add("unused");
        using var driver = Process.Start(start)!;
        // Read, so a chatty child never blocks on a full pipe.
        var errors = new System.Text.StringBuilder();
        driver.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        driver.BeginErrorReadLine();
        try
        {
            var ready = Task.Run(() =>
            {
                string? line;
                while ((line = driver.StandardOutput.ReadLine()) is not null)
                {
                    if (line == "ready=true")
                    {
                        return true;
                    }
                }
                return false;
            });
            Assert.True(Eventually.Result(ready, TimeSpan.FromSeconds(120), "the second driver to fill its store"), "the driver did not fill its store: " + errors);
            var workers = ProcessesMentioning($"_{driver.Id}/sockets/raylet.sock");
            Assert.NotEmpty(workers);
            var shmemWhileRunning = ShmemBytes();

            driver.Kill();   // SIGKILL: no chance to clean up
            driver.WaitForExit();

            Eventually.True(() => ProcessesMentioning($"_{driver.Id}/sockets/raylet.sock").Count == 0, TimeSpan.FromSeconds(30),
                $"the killed driver's workers ({string.Join(", ", workers)}) to exit");
            Assert.Empty(ShmEntries().Except(shmBefore));
            // 104 MiB were written into the store; its pages go back with the last process that mapped them.
            Eventually.True(() => shmemWhileRunning - ShmemBytes() >= 100L << 20, TimeSpan.FromSeconds(30),
                $"shared memory to shrink by the store's 104 MiB (was {shmemWhileRunning} bytes, now {ShmemBytes()})");
        }
        finally
        {
            if (!driver.HasExited)
            {
                driver.Kill(entireProcessTree: true);
            }
        }
    }

    private static HashSet<string> ShmEntries() =>
        Directory.Exists("/dev/shm") ? Directory.EnumerateFileSystemEntries("/dev/shm", "*", SearchOption.AllDirectories).ToHashSet() : [];

    /// <summary>Shmem from /proc/meminfo: tmpfs pages in use, including unlinked files still mapped.</summary>
    private static long ShmemBytes()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("Shmem:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static List<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }
}
