namespace RaySharp.Samples;

// The cluster seed example: the same program runs on one machine or on a cluster; only Ray.Init's
// Address changes (`-- WhereTasksRan --address HOST:PORT` joins a cluster started with `raysharp start`).
// It spreads tasks over the nodes and reports which node ran each.
public static class WhereTasksRan
{
    public static void Run(string[] args)
    {
        var nodes = Ray.Nodes().Where(n => n.Alive).ToList();
        Console.WriteLine($"{nodes.Count} live node(s):");
        foreach (var node in nodes)
        {
            Console.WriteLine($"  {node.NodeId[..12]}  {node.RayletAddress,-22} CPU {node.Resources.GetValueOrDefault("CPU")}");
        }
        var tasks = Enumerable.Range(0, 12)
            .Select(i => Ray.Task(Report, i).SetSchedulingStrategy(SchedulingStrategy.Spread).Remote())
            .ToList();
        var reports = Ray.Get(tasks);
        foreach (var (task, node, pid) in reports)
        {
            Console.WriteLine($"  task {task,2} ran on node {node[..12]} in worker pid {pid}");
        }
        var used = reports.Select(r => r.Node).Distinct().Count();
        Console.WriteLine($"{reports.Length} tasks ran on {used} of {nodes.Count} node(s).");
        Check.That(reports.Select(r => r.Task).SequenceEqual(Enumerable.Range(0, 12)), "every task reported");
        Check.That(used == nodes.Count, $"Spread used every node ({used} of {nodes.Count})");
    }

    private static (int Task, string Node, int Pid) Report(int task)
    {
        Thread.Sleep(100);
        return (task, Ray.GetRuntimeContext().NodeId, Environment.ProcessId);
    }
}
