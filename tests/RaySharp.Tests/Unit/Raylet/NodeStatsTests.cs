using RaySharp.Raylet.Stats;

namespace RaySharp.Tests.UnitTests;

/// <summary>The dashboard's CPU figures: the kernel's counters parsed, and a process's use between two readings (on a fake /proc).</summary>
public sealed class NodeStatsTests : IDisposable
{
    private readonly string _proc = Directory.CreateTempSubdirectory("raysharp-stat-").FullName;

    [Fact]
    public void The_machine_line_counts_idle_and_iowait_as_not_busy_and_leaves_guest_time_out()
    {
        var (busy, total) = ProcStat.Machine("cpu  100 10 50 800 40 0 0 0 30 5\ncpu0 1 2 3 4\n")!.Value;
        Assert.Equal(1000, total);
        Assert.Equal(160, busy);
        Assert.Null(ProcStat.Machine("intr 1 2 3"));
        Assert.Null(ProcStat.Machine(null));
    }

    [Fact]
    public void A_process_line_gives_user_plus_system_ticks_and_its_start_even_with_spaces_in_its_name()
    {
        var line = "42 (dotnet worker) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 9000 1000000 500 18446744073709551615";
        var (cpu, start) = ProcStat.Process(line)!.Value;
        Assert.Equal(300, cpu);
        Assert.Equal(9000, start);
        Assert.Null(ProcStat.Process("42 (truncated"));
    }

    [Fact]
    public void A_process_is_measured_over_its_life_first_then_between_readings_and_forgotten_when_gone()
    {
        File.WriteAllText(Path.Combine(_proc, "uptime"), "110.00 200.00\n");
        WriteProcess(7, cpuTicks: 500, startTicks: 10_000);
        var sampler = new ProcessCpuSampler(_proc);
        // 5 s of CPU over the 10 s since it started at 100 s: half a core.
        var first = sampler.Sample([7]);
        Assert.Equal(50.0, first[7].CpuPercent);
        Assert.Equal(2048L * 1024, first[7].RssBytes);
        Assert.Empty(sampler.Sample([8]));
    }

    private void WriteProcess(int pid, long cpuTicks, long startTicks)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
        File.WriteAllText(Path.Combine(dir, "stat"), $"{pid} (w) S 1 1 1 0 -1 0 0 0 0 0 {cpuTicks} 0 0 0 20 0 1 0 {startTicks} 0 0");
        File.WriteAllText(Path.Combine(dir, "status"), "Name:\tw\nVmRSS:\t    2048 kB\n");
    }

    public void Dispose() => Directory.Delete(_proc, recursive: true);
}
