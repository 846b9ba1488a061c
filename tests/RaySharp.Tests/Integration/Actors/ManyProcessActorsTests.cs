using System.Diagnostics;
using System.Globalization;
using RaySharp.Raylet;
using RaySharp.Tests.Integration.Functions.Actors;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>
/// Actor density with process isolation (issue 17): 200 actors on the 2-CPU test node, each in a worker process of its
/// own, all answering; once they are killed their worker processes are gone. Each start costs ~0.3–0.5 CPU-seconds on
/// 2 cores, so creation takes about a minute here; the bounds are minutes, for a loaded machine.
/// </summary>
[Collection("Cluster")]
public sealed class ManyProcessActorsTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private const int Count = 200;

    private static readonly TimeSpan s_creation = TimeSpan.FromMinutes(10);

    /// <summary>The idle-worker killing time and a margin for 200 process exits on a loaded 2-core machine.</summary>
    private static readonly TimeSpan s_reaped = RayletConfig.DefaultIdleWorkerTimeout + TimeSpan.FromMinutes(2);

    [Fact]
    public void Two_hundred_process_actors_answer_each_from_its_own_process_and_their_workers_are_gone_after_they_are_killed()
    {
        cluster.EnsureRunning();
        var clock = Stopwatch.StartNew();
        var actors = Enumerable.Range(0, Count).Select(i => Ray.Actor(Counter.Create, i).Remote()).ToList();
        try
        {
            // Each answers with its own state (it is that actor) and its own process id.
            var values = actors.Select(a => a.Task(c => c.GetValue()).Remote()).ToList();
            var pids = actors.Select(a => a.Task(c => c.Pid()).Remote()).ToList();
            Assert.Equal(Enumerable.Range(0, Count), Ray.Get(values, s_creation));
            var workerPids = Ray.Get(pids, s_creation);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Count} actors created and answering in {clock.Elapsed.TotalSeconds:0.0} s"));
            Assert.Equal(Count, workerPids.Distinct().Count());
            Assert.DoesNotContain(Environment.ProcessId, workerPids);
            // Real processes of this node (the embedded raylet runs in the test process, so it is their parent).
            var workers = Workers(Environment.ProcessId);
            Assert.All(workerPids, pid => Assert.Contains(pid, workers));
            output.WriteLine(MemoryOf(workerPids));

            clock.Restart();
            foreach (var actor in actors)
            {
                Ray.Kill(actor);
            }
            Eventually.True(() => !Workers(Environment.ProcessId).Overlaps(workerPids), s_reaped,
                $"the {Count} actors' worker processes to exit after Ray.Kill");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"their worker processes were gone {clock.Elapsed.TotalSeconds:0.0} s after the kills"));
        }
        finally
        {
            foreach (var actor in actors)
            {
                Ray.Kill(actor);
            }
        }
    }

    /// <summary>What the workers hold on average, for the record (memory admission budgets each one): private, resident and proportional set.</summary>
    private static string MemoryOf(IReadOnlyList<int> pids)
    {
        double anon = 0, rss = 0, pss = 0;
        foreach (var pid in pids)
        {
            var status = File.ReadAllText($"/proc/{pid}/status");
            anon += Field(status, "RssAnon:");
            rss += Field(status, "VmRSS:");
            pss += File.Exists($"/proc/{pid}/smaps_rollup") ? Field(File.ReadAllText($"/proc/{pid}/smaps_rollup"), "Pss:") : 0;
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"per worker on average: RssAnon {anon / pids.Count / 1024:0.0} MiB, VmRSS {rss / pids.Count / 1024:0.0} MiB, Pss {pss / pids.Count / 1024:0.0} MiB");

        static double Field(string text, string name) =>
            text.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) is { } line
                ? double.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)
                : 0;
    }

    /// <summary>The live worker processes a process started (a zombie's command line is empty, so it is not one).</summary>
    private static HashSet<int> Workers(int parent) => Bench.Chaos.ClusterProcesses.Children(parent, "\0--worker-id\0");
}
