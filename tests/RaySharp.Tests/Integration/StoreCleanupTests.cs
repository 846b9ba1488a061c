namespace RaySharp.Tests.Integration;

/// <summary>A raylet that dies, even by SIGKILL, leaves nothing of its object store behind.</summary>
[Collection("Cluster")]
public class StoreCleanupTests
{
    [Fact]
    public void Killing_a_driver_with_an_embedded_raylet_returns_its_store_memory_and_leaves_no_files()
    {
        using var driver = new BackgroundDriver(["own-cluster-store", "unused"]);
        Assert.Equal("true", driver.WaitFor("ready", TimeSpan.FromSeconds(120)));
        var pid = driver.Process.Id;
        var workers = ProcessesMentioning($"_{pid}/sockets/raylet.sock");
        Assert.NotEmpty(workers);
        // The store: the unlinked plasma_<driver pid>_* file the driver maps (its raylet is embedded).
        var store = Assert.Single(StoreMappings(pid));

        driver.Kill();   // SIGKILL: no chance to clean up

        Eventually.True(() => ProcessesMentioning($"_{pid}/sockets/raylet.sock").Count == 0, TimeSpan.FromSeconds(30),
            $"the killed driver's workers ({string.Join(", ", workers)}) to exit");
        Assert.Empty(Directory.Exists("/dev/shm") ? Directory.GetFileSystemEntries("/dev/shm", $"plasma_{pid}_*") : []);
        // Its pages go back with the last process that maps it: none does any more (measured per process,
        // not as the machine's shared-memory total, which other programs move too).
        Eventually.True(() => ProcessesMapping(store).Count == 0, TimeSpan.FromSeconds(30),
            $"every process to unmap the killed driver's store {store}");
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
