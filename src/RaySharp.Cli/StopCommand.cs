using System.CommandLine;
using System.Diagnostics;

namespace RaySharp.Cli;

/// <summary>`raysharp stop`: stops every node `raysharp start` started on this machine (SIGTERM, then SIGKILL).</summary>
internal static class StopCommand
{
    public static Command Create()
    {
        var grace = new Option<int>("--grace-period") { Description = "Seconds to wait after SIGTERM before SIGKILL.", DefaultValueFactory = _ => 10 };
        var command = new Command("stop", "Stop every RaySharp node started on this machine.") { grace };
        command.SetAction(parse =>
        {
            var stopped = 0;
            foreach (var pid in NodeRecords.All())
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
                    // SIGTERM: the node unregisters, stops its workers and removes its files.
                    _ = Kill(pid, 15);
                    if (!process.WaitForExit(TimeSpan.FromSeconds(parse.GetValue(grace))))
                    {
                        process.Kill(entireProcessTree: true);
                        process.WaitForExit();
                    }
                    NodeRecords.Remove(pid);
                    stopped++;
                }
            }
            Console.WriteLine(stopped == 0 ? "No RaySharp node was running on this machine." : $"Stopped {stopped} RaySharp node(s).");
            return 0;
        });
        return command;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
