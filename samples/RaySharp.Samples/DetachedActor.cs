using System.Diagnostics;
using System.Text;

namespace RaySharp.Samples;

// A named, detached actor looked up from a second driver process. This program creates the actor,
// then starts ITSELF again as a separate program (the hidden sample name `detached-client`): that
// second driver joins the running cluster with Address = "auto" in the same namespace, finds the actor
// by name with Ray.GetActor and adds a visit. State lives in the actor, so both drivers see the same
// count; Detached means the actor does not belong to any one driver's job (killed here at the end).
public sealed class Guestbook
{
    private int _visits;

    public int Visit() => ++_visits;

    public int Visits() => _visits;
}

public static class DetachedActor
{
    /// <summary>The hidden sample name that makes this program the second driver.</summary>
    public const string ClientName = "detached-client";

    /// <summary>Both drivers join this namespace: named actors are found only within one (Ray's default is an anonymous namespace per job).</summary>
    public const string Namespace = "raysharp-samples";

    private static readonly TimeSpan s_clientTimeout = TimeSpan.FromSeconds(90);

    public static void Run(string[] args)
    {
        var name = "guestbook-" + Guid.NewGuid().ToString("N")[..8];
        var guestbook = Ray.Actor(() => new Guestbook()).SetName(name).SetLifetime(ActorLifetime.Detached).Remote();
        try
        {
            var first = Ray.Get(guestbook.Task(g => g.Visit()).Remote());
            Console.WriteLine($"this driver (pid {Environment.ProcessId}) created '{name}' in namespace '{Namespace}' and visited: {first}");
            Check.That(first == 1, $"the first visit to count 1, got {first}");

            var (exitCode, output) = RunClient(name);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Console.WriteLine($"  [second driver] {line}");
            }
            Check.That(exitCode == 0, $"the second driver to exit with 0, got {exitCode} (Address = \"auto\" joins the cluster " +
                "the last Ray.Init() on this machine recorded: if another program started one after this one, that is where it went)");
            var visits = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("visits=", StringComparison.Ordinal));
            Check.That(visits == "visits=2", $"the second driver to print visits=2 (the same actor, second visit), got {visits ?? "nothing"}");

            // The second driver has ended its job; the actor and its state are still here.
            var total = Ray.Get(guestbook.Task(g => g.Visits()).Remote());
            Console.WriteLine($"back in this driver after the second one exited: {total} visits");
            Check.That(total == 2, $"this driver to see both visits (2), got {total}");
        }
        finally
        {
            // A detached actor lives until killed: this sample cleans up after itself.
            Ray.Kill(guestbook);
        }
    }

    /// <summary>The second driver: joins the running cluster (no cluster of its own), visits the named actor, prints the count.</summary>
    public static int Client(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine($"usage: {ClientName} <actor name>");
            return 2;
        }
        try
        {
            // Address = "auto": the cluster the last Ray.Init() on this machine started (or RAYSHARP_ADDRESS).
            Ray.Init(new RayConfig { Address = "auto", Namespace = Namespace });
        }
        catch (RayException e)
        {
            Console.WriteLine($"failed to join: {e.Message}");
            return 1;
        }
        try
        {
            using var guestbook = Ray.GetActor<Guestbook>(args[0]);
            var visits = Ray.Get(guestbook.Task(g => g.Visit()).Remote(), TimeSpan.FromSeconds(60));
            Console.WriteLine($"second driver pid {Environment.ProcessId}, job {Ray.GetRuntimeContext().JobId}, found actor {guestbook.ActorId}");
            Console.WriteLine($"visits={visits}");
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine($"failed: {e.GetType().Name}: {e.Message}");
            return 1;
        }
        finally
        {
            Ray.Shutdown();
        }
    }

    /// <summary>Starts this same program as a separate process in the client role; returns its exit code and output.</summary>
    private static (int ExitCode, string Output) RunClient(string actorName)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Environment.ProcessPath is unknown.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Run as `dotnet RaySharp.Samples.dll` the host needs the dll; run through the apphost it does not.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(DetachedActor).Assembly.Location);
        }
        start.ArgumentList.Add(ClientName);
        start.ArgumentList.Add(actorName);

        var output = new StringBuilder();
        using var client = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        client.OutputDataReceived += append;
        client.ErrorDataReceived += append;
        client.Start();
        client.BeginOutputReadLine();
        client.BeginErrorReadLine();
        if (!client.WaitForExit(s_clientTimeout))
        {
            client.Kill(entireProcessTree: true);
            throw new SampleFailedException($"Expected the second driver to finish within {s_clientTimeout.TotalSeconds} s");
        }
        client.WaitForExit();   // the rest of its output
        lock (output)
        {
            return (client.ExitCode, output.ToString());
        }
    }
}
