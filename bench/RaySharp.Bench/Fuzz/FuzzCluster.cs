using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using RaySharp.Bench.Chaos;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// The cluster under fuzz, all real processes: a `raysharp start --head` node (its raylet process, with the
/// node manager and object store services, and its own GCS process), this program joined as the driver, an
/// actor whose worker process serves the core worker service, and a throwaway actor for the one call that
/// ends the process it is sent to (CoreWorker/KillActor).
/// </summary>
public sealed class FuzzCluster : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    private readonly CliNode _head;
    private readonly ActorHandle<FuzzProbeActor> _actor;
    private readonly ActorHandle<FuzzProbeActor> _throwaway;

    private FuzzCluster(CliNode head, string gcs, ActorHandle<FuzzProbeActor> actor, ActorHandle<FuzzProbeActor> throwaway)
    {
        _head = head;
        GcsEndpoint = gcs;
        _actor = actor;
        _throwaway = throwaway;
        var node = Gcs.GetAllNodes(new Empty(), deadline: DateTime.UtcNow + s_wait).Nodes.Single(n => n.Alive);
        RayletEndpoint = node.RayletEndpoint;
        var actorEntry = ActorEntry(actor);
        var throwawayEntry = ActorEntry(throwaway);
        ActorEndpoint = actorEntry.Address.Endpoint;
        ThrowawayEndpoint = throwawayEntry.Address.Endpoint;
        Pids = new Dictionary<string, int>
        {
            ["raylet (head node process)"] = head.Process.Id,
            ["gcs-server"] = ClusterProcesses.Gcs(int.Parse(gcs.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)),
            ["actor worker"] = actorEntry.Pid,
        };
        ThrowawayPid = throwawayEntry.Pid;
    }

    public string GcsEndpoint { get; }

    /// <summary>The head's raylet: NodeManager and ObjectStore services.</summary>
    public string RayletEndpoint { get; }

    /// <summary>The core worker service of the actor's worker process.</summary>
    public string ActorEndpoint { get; }

    /// <summary>The core worker service of the actor that KillActor is sent to.</summary>
    public string ThrowawayEndpoint { get; }

    public int ThrowawayPid { get; }

    /// <summary>The processes that must outlive every batch, by role.</summary>
    public IReadOnlyDictionary<string, int> Pids { get; }

    private Protocol.Gcs.GcsClient Gcs => new(ChannelPool.Get(GcsEndpoint));

    /// <summary>Starts the head node, joins it and creates both actors.</summary>
    public static FuzzCluster Start()
    {
        var port = FreePort();
        var head = CliNode.Start(null, port, 4);
        try
        {
            var address = $"127.0.0.1:{port}";
            Ray.Init(new RayConfig { Address = address, Namespace = "fuzz" });
            var actor = Ray.Actor(() => new FuzzProbeActor()).Remote();
            var throwaway = Ray.Actor(() => new FuzzProbeActor()).Remote();
            // Both constructors ran and both processes serve before their endpoints are read.
            _ = Ray.Get(actor.Task((a, x) => a.Echo(x), 1).Remote(), s_wait);
            _ = Ray.Get(throwaway.Task((a, x) => a.Echo(x), 1).Remote(), s_wait);
            return new FuzzCluster(head, address, actor, throwaway);
        }
        catch
        {
            if (Ray.IsInitialized)
            {
                Ray.Shutdown();
            }
            head.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What is wrong with the cluster now: a process that exited, a node table that does not answer or
    /// lost the node, a task or actor call that does not run. Empty when everything works.
    /// </summary>
    public List<string> Problems()
    {
        var problems = Pids.Where(p => !ProcessState.IsRunning(p.Value)).Select(p => $"the {p.Key} process (pid {p.Value}) exited").ToList();
        Check(problems, "GetAllNodes", () =>
        {
            var nodes = Gcs.GetAllNodes(new Empty(), deadline: DateTime.UtcNow + s_wait).Nodes;
            if (!nodes.Any(n => n.Alive && n.RayletEndpoint == RayletEndpoint))
            {
                problems.Add("the GCS no longer lists the head node alive");
            }
        });
        Check(problems, "a task", () =>
        {
            var sum = Ray.Get(Ray.Task(FuzzProbe.Add, 20, 22).Remote(), s_wait);
            if (sum != 42)
            {
                problems.Add($"a task returned {sum}, not 42");
            }
        });
        Check(problems, "an actor call", () =>
        {
            var echo = Ray.Get(_actor.Task((a, x) => a.Echo(x), 7).Remote(), s_wait);
            if (echo != 7)
            {
                problems.Add($"an actor call returned {echo}, not 7");
            }
        });
        return problems;
    }

    /// <summary>The throwaway actor's state as the GCS records it.</summary>
    public ActorState ThrowawayState() => ActorEntry(_throwaway).State;

    /// <summary>Resident memory of the long-lived processes, for the memory check.</summary>
    public IReadOnlyDictionary<string, long> ResidentMiB() => Pids.ToDictionary(p => p.Key, p => ProcessState.ResidentMiB(p.Value));

    public void Dispose()
    {
        try
        {
            _actor.Dispose();
            _throwaway.Dispose();
            Ray.Shutdown();
        }
        finally
        {
            _head.Dispose();
        }
    }

    private ActorTableEntry ActorEntry(ActorHandle actor)
    {
        if (!UniqueId.TryParse(actor.ActorId, out var id))
        {
            throw new InvalidOperationException($"Actor id {actor.ActorId} is not 32 hex digits.");
        }
        return Gcs.GetActorInfo(new GetActorInfoRequest { ActorId = id.ToByteString() }, deadline: DateTime.UtcNow + s_wait);
    }

    private static void Check(List<string> problems, string what, Action check)
    {
        try
        {
            check();
        }
        catch (Exception ex)
        {
            problems.Add($"{what} failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
