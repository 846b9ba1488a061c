namespace RaySharp.Bench;

/// <summary>
/// The actor workloads of Ray's ray_perf.py (and its multi-client tasks metric, whose clients are actors),
/// under Ray's metric names with ':' and ' ' as '_', in Ray's order and with Ray's sizes and multipliers.
/// Actors need no CPU (Ray's <c>num_cpus=0</c>; the default here). Setups put the driver's handles in
/// <c>owned</c>; the caller disposes them after the metric, as Ray drops its handles by rebinding <c>a</c>.
/// </summary>
internal static class ActorWorkloads
{
    // ray_perf: multiprocessing.cpu_count() // 2 (at least one, so a 1-core machine still runs).
    private static readonly int HalfCpus = Math.Max(1, Environment.ProcessorCount / 2);

    public static IEnumerable<(string Name, Func<Action> Setup, double Multiplier)> All(ICollection<ActorHandle> owned)
    {
        // m = 4 actors, each submitting n = 10,000 tasks and getting them: counts tasks.
        const int multiN = 10_000, multiM = 4;
        yield return ("multi_client_tasks_async", () =>
        {
            var actors = Create(owned, multiM, static () => Ray.Actor(static () => new Actor()).Remote());
            return () => Ray.Get(actors.Select(a => a.Task(static (x, n) => x.SmallValueBatch(n), multiN).Remote()));
        }, multiN * multiM);

        yield return ("1_1_actor_calls_sync", () =>
        {
            var a = Own(owned, Ray.Actor(static () => new Actor()).Remote());
            return () => Ray.Get(a.Task(static x => x.SmallValue()).Remote());
        }, 1);

        yield return ("1_1_actor_calls_async", () =>
        {
            var a = Own(owned, Ray.Actor(static () => new Actor()).Remote());
            return () => Ray.Get(Calls(a, 1000));
        }, 1000);

        // The same two on a shared actor (ActorIsolation.Shared: its calls go through its mailbox on the host's
        // thread pool instead of a thread of its own), beside the process actor above.
        yield return ("1_1_actor_calls_sync_shared", () =>
        {
            var a = Own(owned, Ray.Actor(static () => new Actor()).SetIsolation(ActorIsolation.Shared).Remote());
            return () => Ray.Get(a.Task(static x => x.SmallValue()).Remote());
        }, 1);

        yield return ("1_1_actor_calls_async_shared", () =>
        {
            var a = Own(owned, Ray.Actor(static () => new Actor()).SetIsolation(ActorIsolation.Shared).Remote());
            return () => Ray.Get(Calls(a, 1000));
        }, 1000);

        yield return ("1_1_actor_calls_concurrent", () =>
        {
            var a = Own(owned, Ray.Actor(static () => new Actor()).SetMaxConcurrency(16).Remote());
            return () => Ray.Get(Calls(a, 1000));
        }, 1000);

        // One client actor calls n = 5,000 times on each of cpu_count // 2 actors: counts calls.
        const int oneToN = 5000;
        yield return ("1_n_actor_calls_async", () =>
        {
            var servers = Create(owned, HalfCpus, static () => Ray.Actor(static () => new Actor()).Remote());
            var client = Own(owned, Ray.Actor(static (List<ActorHandle<Actor>> s) => new Client(s), servers).Remote());
            return () => Ray.Get(client.Task(static (c, n) => c.SmallValueBatch(n), oneToN).Remote());
        }, oneToN * HalfCpus);

        // m = 4 tasks (1 CPU each, Ray's default), each making n = 5,000 calls spread over the actors.
        const int nnCalls = 5000, nnTasks = 4;
        yield return ("n_n_actor_calls_async", () =>
        {
            var actors = Create(owned, HalfCpus, static () => Ray.Actor(static () => new Actor()).Remote());
            return () => Ray.Get(Enumerable.Range(0, nnTasks).Select(_ => Ray.Task(Work, actors, nnCalls).Remote()).ToList());
        }, nnCalls * nnTasks);

        // One client actor per actor, each making n = 1,000 calls with a put ref as argument.
        const int withArg = 1000;
        yield return ("n_n_actor_calls_with_arg_async", () =>
        {
            var servers = Create(owned, HalfCpus, static () => Ray.Actor(static () => new Actor()).Remote());
            var clients = servers.Select(s => Own(owned, Ray.Actor(static (List<ActorHandle<Actor>> l) => new Client(l), [s]).Remote())).ToList();
            return () => Ray.Get(clients.Select(c => c.Task(static (x, n) => x.SmallValueBatchArg(n), withArg).Remote()));
        }, withArg * HalfCpus);

        yield return ("1_1_async_actor_calls_sync", () =>
        {
            var a = Own(owned, Ray.Actor(static () => new AsyncActor()).Remote());
            return () => Ray.Get(a.Task(static x => x.SmallValue()).Remote());
        }, 1);

        yield return ("1_1_async_actor_calls_async", () =>
        {
            var a = Own(owned, Ray.Actor(static () => new AsyncActor()).Remote());
            return () =>
            {
                var refs = new List<ObjectRef<byte[]>>(1000);
                for (var i = 0; i < 1000; i++)
                {
                    refs.Add(a.Task(static x => x.SmallValue()).Remote());
                }
                Ray.Get(refs);
            };
        }, 1000);
    }

    private static T Own<T>(ICollection<ActorHandle> owned, T handle) where T : ActorHandle
    {
        owned.Add(handle);
        return handle;
    }

    private static List<ActorHandle<A>> Create<A>(ICollection<ActorHandle> owned, int count, Func<ActorHandle<A>> create) =>
        Enumerable.Range(0, count).Select(_ => Own(owned, create())).ToList();

    private static List<ObjectRef<byte[]>> Calls(ActorHandle<Actor> a, int n)
    {
        var refs = new List<ObjectRef<byte[]>>(n);
        for (var i = 0; i < n; i++)
        {
            refs.Add(a.Task(static x => x.SmallValue()).Remote());
        }
        return refs;
    }

    // ray_perf's work task: n calls, round-robin over the actors, then get them all.
    private static void Work(List<ActorHandle<Actor>> actors, int n)
    {
        var refs = new List<ObjectRef<byte[]>>(n);
        for (var i = 0; i < n; i++)
        {
            refs.Add(actors[i % actors.Count].Task(static x => x.SmallValue()).Remote());
        }
        Ray.Get(refs);
    }

    /// <summary>ray_perf's Actor (num_cpus=0): small values, and a batch of small tasks submitted from inside.</summary>
    internal sealed class Actor
    {
        public byte[] SmallValue() => Workloads.Ok;

        public byte[] SmallValueArg(int x) => Workloads.Ok;

        public void SmallValueBatch(int n) => Ray.Get(Workloads.SubmitSmall(n));
    }

    /// <summary>ray_perf's AsyncActor: its methods return Task, so calls run on the actor's event loop.</summary>
    internal sealed class AsyncActor
    {
        public Task<byte[]> SmallValue() => Task.FromResult(Workloads.Ok);
    }

    /// <summary>ray_perf's Client (num_cpus=0): a driver-like actor that calls other actors.</summary>
    internal sealed class Client(List<ActorHandle<Actor>> servers)
    {
        public void SmallValueBatch(int n)
        {
            var results = new List<ObjectRef<byte[]>>(n * servers.Count);
            foreach (var s in servers)
            {
                for (var i = 0; i < n; i++)
                {
                    results.Add(s.Task(static x => x.SmallValue()).Remote());
                }
            }
            Ray.Get(results);
        }

        public void SmallValueBatchArg(int n)
        {
            var x = Ray.Put(0);
            var results = new List<ObjectRef<byte[]>>(n * servers.Count);
            foreach (var s in servers)
            {
                for (var i = 0; i < n; i++)
                {
                    results.Add(s.Task(static (a, v) => a.SmallValueArg(v), x).Remote());
                }
            }
            Ray.Get(results);
        }
    }
}
