using System.Diagnostics;
using System.Globalization;
using RaySharp.Common.Ids;
using RaySharp.Raylet;
using RaySharp.Raylet.Memory;

namespace RaySharp.Tests.UnitTests;

/// <summary>The memory monitor's readings (on fake /proc and cgroup trees) and its choice of a worker to kill.</summary>
public sealed class MemoryMonitorUnitTests : IDisposable
{
    private const long GiB = 1L << 30;

    private readonly string _root = Directory.CreateTempSubdirectory("raysharp-mem-").FullName;

    private string Proc => Path.Combine(_root, "proc");

    private string Cgroup => Path.Combine(_root, "cgroup");

    private void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void WriteMeminfo(long totalKb, long availableKb) =>
        Write(Path.Combine(Proc, "meminfo"), $"MemTotal:       {totalKb} kB\nMemFree:         1000 kB\nMemAvailable:   {availableKb} kB\nBuffers: 10 kB\n");

    [Fact]
    public void Without_a_cgroup_limit_the_node_uses_meminfo_total_minus_available()
    {
        WriteMeminfo(totalKb: 16 * 1024 * 1024, availableKb: 4 * 1024 * 1024);
        Write(Path.Combine(Proc, "self", "cgroup"), "0::/\n");
        Write(Path.Combine(Cgroup, "memory.max"), "max\n");
        Write(Path.Combine(Cgroup, "memory.current"), "123\n");
        var usage = new NodeMemoryReader(Proc, Cgroup).Read();
        Assert.Equal(new MemorySnapshot(12 * GiB, 16 * GiB), usage);
        Assert.Equal(0.75, usage!.Value.Fraction);
    }

    [Fact]
    public void A_cgroup_v2_limit_below_the_machine_wins_and_inactive_file_pages_do_not_count()
    {
        WriteMeminfo(totalKb: 16 * 1024 * 1024, availableKb: 15 * 1024 * 1024);
        Write(Path.Combine(Proc, "self", "cgroup"), "0::/job/abc\n");
        var group = Path.Combine(Cgroup, "job", "abc");
        Write(Path.Combine(group, "memory.max"), $"{2 * GiB}\n");
        Write(Path.Combine(group, "memory.current"), $"{GiB + (200L << 20)}\n");
        Write(Path.Combine(group, "memory.stat"), $"anon 123\nfile 456\ninactive_file {200L << 20}\nactive_file 7\n");
        Assert.Equal(new MemorySnapshot(GiB, 2 * GiB), new NodeMemoryReader(Proc, Cgroup).Read());
    }

    [Fact]
    public void A_cgroup_v1_memory_controller_is_read_at_the_mount_root_inside_a_namespace()
    {
        WriteMeminfo(totalKb: 16 * 1024 * 1024, availableKb: 15 * 1024 * 1024);
        // The listed path is the host's; inside the container's namespace the group is the mount's root.
        Write(Path.Combine(Proc, "self", "cgroup"), "5:devices:/\n4:memory:/process_api/xyz\n0::/\n");
        Write(Path.Combine(Cgroup, "memory", "memory.limit_in_bytes"), $"{4 * GiB}\n");
        Write(Path.Combine(Cgroup, "memory", "memory.usage_in_bytes"), $"{3 * GiB}\n");
        Write(Path.Combine(Cgroup, "memory", "memory.stat"), $"cache 5\ntotal_inactive_file {GiB}\n");
        Assert.Equal(new MemorySnapshot(2 * GiB, 4 * GiB), new NodeMemoryReader(Proc, Cgroup).Read());
    }

    [Fact]
    public void An_unlimited_cgroup_v1_falls_back_to_meminfo()
    {
        WriteMeminfo(totalKb: 1024 * 1024, availableKb: 512 * 1024);
        Write(Path.Combine(Proc, "self", "cgroup"), "4:memory:/\n");
        Write(Path.Combine(Cgroup, "memory", "memory.limit_in_bytes"), "9223372036854771712\n");
        Write(Path.Combine(Cgroup, "memory", "memory.usage_in_bytes"), "1\n");
        Assert.Equal(new MemorySnapshot(GiB / 2, GiB), new NodeMemoryReader(Proc, Cgroup).Read());
    }

    [Fact]
    public void Under_a_memory_limit_the_private_memory_of_the_raylet_and_its_live_workers_is_summed()
    {
        WriteStatus(Environment.ProcessId, rssAnonKb: 100 * 1024, vmRssKb: 900 * 1024);
        WriteStatus(4242, rssAnonKb: 300 * 1024, vmRssKb: 400 * 1024);
        // 4243 exited between the listing and the read: it counts nothing.
        var reader = new ProcessTreeMemoryReader(GiB, () => [4242, 4243], Proc);
        Assert.Equal(new MemorySnapshot(400L << 20, GiB), reader.Read());
    }

    [Fact]
    public void The_kernel_files_parse_as_bytes()
    {
        Assert.Equal(2048, ProcMemoryFiles.KilobyteField("VmRSS:\t  2 kB\nRssAnon:\t 1 kB\n", "RssAnon") * 2);
        Assert.Null(ProcMemoryFiles.KilobyteField("RssAnonX: 1 kB\n", "RssAnon"));
        Assert.Null(ProcMemoryFiles.Limit("max\n"));
        Assert.Equal(GiB, ProcMemoryFiles.Limit($"{GiB}\n"));
        Assert.Equal(7, ProcMemoryFiles.StatField("inactive_file_x 3\ninactive_file 7\n", "inactive_file"));
        Assert.Equal("1.07 GB / 2.15 GB (0.5)", new MemorySnapshot(GiB, 2 * GiB).ToString());
    }

    [Fact]
    public void The_victim_is_the_most_recently_granted_retriable_lease_else_the_most_recent_one()
    {
        using var self = Process.GetCurrentProcess();
        Lease Granted(long sequence, bool retriable) =>
            new(UniqueId.New(), new WorkerProcess(UniqueId.New(), self, "key"), new ResourceSet(new Dictionary<string, double>()), [])
            {
                GrantSequence = sequence,
                Retriable = retriable,
            };
        var oldRetriable = Granted(1, retriable: true);
        var newRetriable = Granted(2, retriable: true);
        var newest = Granted(3, retriable: false);
        Assert.Same(newRetriable, OomVictimPolicy.Choose([oldRetriable, newest, newRetriable]));
        // A victim already dead is passed over.
        newRetriable.Worker.IsDead = true;
        Assert.Same(oldRetriable, OomVictimPolicy.Choose([oldRetriable, newest, newRetriable]));
        Assert.Same(newest, OomVictimPolicy.Choose([Granted(0, retriable: false), newest]));
        Assert.Null(OomVictimPolicy.Choose([]));
    }

    private void WriteStatus(int pid, long rssAnonKb, long vmRssKb) =>
        Write(Path.Combine(Proc, pid.ToString(CultureInfo.InvariantCulture), "status"),
            $"Name:\tdotnet\nVmRSS:\t  {vmRssKb} kB\nRssAnon:\t  {rssAnonKb} kB\nRssFile:\t  5 kB\n");

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
