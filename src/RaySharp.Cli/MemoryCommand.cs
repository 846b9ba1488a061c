using System.CommandLine;

namespace RaySharp.Cli;

/// <summary>`raysharp memory`: what the object stores hold and why (as `ray memory`), by joining the cluster as a short driver.</summary>
internal static class MemoryCommand
{
    public static Command Create()
    {
        var address = new Option<string>("--address") { Description = "The GCS address (default: the cluster started on this machine).", DefaultValueFactory = _ => "auto" };
        var statsOnly = new Option<bool>("--stats-only") { Description = "Only the totals: store usage, spilled and restored." };
        var command = new Command("memory", "Show the objects in the cluster's object stores and what keeps them alive.") { address, statsOnly };
        command.SetAction(parse =>
        {
            try
            {
                Ray.Init(new RayConfig { Address = parse.GetValue(address), LogToDriver = false });
            }
            catch (RayException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
            try
            {
                var summary = Ray.MemorySummary();
                Console.Write(parse.GetValue(statsOnly) ? summary.Stats() : summary.ToString());
                return 0;
            }
            finally
            {
                Ray.Shutdown();
            }
        });
        return command;
    }
}
