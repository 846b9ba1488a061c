using System.CommandLine;
using System.Diagnostics;
using RaySharp.Common.Processes;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp stop`: stops every process `raysharp start` started on this machine (SIGTERM, then SIGKILL):
/// the raylets first, then GCS processes a head did not stop itself (one whose raylet was killed).
/// `--address` limits it to the nodes of one cluster (what tests and scripts that share a machine use).
/// </summary>
internal static class StopCommand
{
    public static Command Create()
    {
        var grace = new Option<int>("--grace-period") { Description = "Seconds to wait after SIGTERM before SIGKILL.", DefaultValueFactory = _ => 10 };
        var address = new Option<string?>("--address") { Description = "Stop only the nodes (and GCS) of the cluster whose GCS is at this address." };
        var command = new Command("stop", "Stop every RaySharp node started on this machine, or those of one cluster.") { grace, address };
        command.SetAction(parse =>
        {
            var stopped = new Dictionary<string, int> { [NodeRecords.Raylet] = 0, [NodeRecords.Gcs] = 0 };
            foreach (var (pid, kind) in NodeRecords.All(parse.GetValue(address)))
            {
                Process? process = null;
                try
                {
                    process = Process.GetProcessById(pid);
                }
                catch (ArgumentException)
                {
                }
                if (process is null)
                {
                    NodeRecords.Remove(pid);
                    continue;
                }
                using (process)
                {
                    // SIGTERM: the node unregisters, stops its workers (and a head its GCS) and removes its files.
                    _ = NativeSignals.Kill(pid, NativeSignals.SigTerm);
                    if (!process.WaitForExit(TimeSpan.FromSeconds(parse.GetValue(grace))))
                    {
                        process.Kill(entireProcessTree: true);
                        process.WaitForExit();
                    }
                    NodeRecords.Remove(pid);
                    stopped[kind]++;
                }
            }
            Console.WriteLine(stopped.Values.Sum() == 0
                ? "No RaySharp node was running on this machine."
                : $"Stopped {stopped[NodeRecords.Raylet]} RaySharp node(s)" + (stopped[NodeRecords.Gcs] > 0 ? $" and {stopped[NodeRecords.Gcs]} GCS process(es) left without their head." : "."));
            return 0;
        });
        return command;
    }
}
