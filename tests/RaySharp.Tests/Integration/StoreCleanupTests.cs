using System.Diagnostics;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration;

/// <summary>A raylet that dies, even by SIGKILL, leaves nothing of its object store behind.</summary>
[Collection("Cluster")]
public class StoreCleanupTests
{
    [Fact]
    public void Killing_a_driver_with_an_embedded_raylet_returns_its_store_memory_and_leaves_no_files()
    {
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
            // The store: the unlinked plasma_<driver pid>_* file the driver maps (its raylet is embedded).
            var store = Assert.Single(StoreMappings(driver.Id));

            driver.Kill();   // SIGKILL: no chance to clean up
            driver.WaitForExit();

            Eventually.True(() => ProcessesMentioning($"_{driver.Id}/sockets/raylet.sock").Count == 0, TimeSpan.FromSeconds(30),
                $"the killed driver's workers ({string.Join(", ", workers)}) to exit");
            Assert.Empty(Directory.Exists("/dev/shm") ? Directory.GetFileSystemEntries("/dev/shm", $"plasma_{driver.Id}_*") : []);
            // Its pages go back with the last process that maps it: none does any more (measured per process,
            // not as the machine's shared-memory total, which other programs move too).
            Eventually.True(() => ProcessesMapping(store).Count == 0, TimeSpan.FromSeconds(30),
                $"every process to unmap the killed driver's store {store}");
        }
        finally
        {
            if (!driver.HasExited)
            {
                driver.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The store files a process maps (unlinked, so listed as "… (deleted)").</summary>
    private static List<string> StoreMappings(int pid) =>
        File.ReadLines($"/proc/{pid}/maps")
            .Select(l => l.IndexOf('/', StringComparison.Ordinal) is var i and >= 0 ? l[i..] : "")
            .Where(path => Path.GetFileName(path).StartsWith($"plasma_{pid}_", StringComparison.Ordinal))
            .Distinct()
            .ToList();

    private static List<int> ProcessesMapping(string path)
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
                if (File.ReadAllText(Path.Combine(dir, "maps")).Contains(path, StringComparison.Ordinal))
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
