using System.Globalization;
using RaySharp;
using RaySharp.Tests.Driver;

// A second driver program: `dotnet RaySharp.Tests.Driver.dll <scenario> [args]`. It joins the cluster
// another program started (Address = "auto", or the one after --address), runs the scenario and
// prints its results as key=value lines on stdout for the test that started it.
// Exit code 0 = the scenario ran; 1 = it failed (exception on stderr); 2 = bad arguments.
var address = "auto";
var at = Array.IndexOf(args, "--address");
if (at >= 0 && at + 1 < args.Length)
{
    address = args[at + 1];
    args = [.. args[..at], .. args[(at + 2)..]];
}
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: RaySharp.Tests.Driver <use-named NAME NAMESPACE | namespace-of NAMESPACE NAME ACTOR_NAMESPACE | run-task NAMESPACE | create-nondetached NAMESPACE NAME DETACHED_NAME | hold-actor NAMESPACE | call-until-killed NAMESPACE NAME MARKER | runtime-env NAMESPACE | tune-resumable NAMESPACE STORAGE RELEASE fresh|restore | job-squares | job-actor-sleep> [--address auto|host:port|unix:path]");
    return 2;
}

var scenario = args[0];
string Arg(int i) => i < args.Length ? args[i] : throw new ArgumentException($"{scenario}: argument {i} is missing.");
void Print(string key, object value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={value}"));

Action? run = scenario switch
{
    "use-named" => () =>
    {
        // A named actor another driver created in this namespace: add 10 to the state it holds.
        using var counter = Ray.GetActor<SharedCounter>(Arg(1));
        Print("actor", counter.ActorId);
        Print("value", Ray.Get(SharedCalls.Add(counter, 10), TimeSpan.FromSeconds(60)));
    },
    "namespace-of" => () =>
    {
        // A named actor of another namespace's job: the namespace its code runs in, called from this one.
        using var counter = Ray.GetActor<SharedCounter>(Arg(2), Arg(3));
        Print("own_namespace", Ray.GetRuntimeContext().Namespace);
        Print("actor_namespace", Ray.Get(SharedCalls.Namespace(counter), TimeSpan.FromSeconds(60)));
    },
    "run-task" => () =>
    {
        // A function only this program has: the raylet must start workers with this program's code.
        var report = Ray.Get(Ray.Task(DriverFunctions.SquarePlusOne, 7).Remote(), TimeSpan.FromSeconds(60));
        Print("result", report.Result);
        Print("worker_pid", report.WorkerPid);
        Print("worker_job", report.JobId);
    },
    "create-nondetached" => () =>
    {
        var nonDetached = Ray.Actor(() => new SharedCounter(0)).SetName(Arg(2)).SetLifetime(ActorLifetime.NonDetached).Remote();
        var detached = Ray.Actor(() => new SharedCounter(100)).SetName(Arg(3)).SetLifetime(ActorLifetime.Detached).Remote();
        // Both up (each answered a call) before this job ends.
        Print("nondetached_pid", Ray.Get(SharedCalls.Pid(nonDetached), TimeSpan.FromSeconds(60)));
        Print("detached_pid", Ray.Get(SharedCalls.Pid(detached), TimeSpan.FromSeconds(60)));
        Print("nondetached_id", nonDetached.ActorId);
        Print("detached_id", detached.ActorId);
    },
    "call-until-killed" => () =>
    {
        // Calls a named actor one call at a time until 3 s after the test creates the marker file (it does once
        // its Ray.Kill returned), counting the calls submitted after the marker that still ran.
        using var counter = Ray.GetActor<SharedCounter>(Arg(2));
        var marker = Arg(3);
        Print("first", Ray.Get(SharedCalls.Add(counter, 1), TimeSpan.FromSeconds(60)));
        Print("calling", "true");
        DateTime? seen = null;
        var giveUp = DateTime.UtcNow.AddMinutes(2);
        int after = 0, ranAfter = 0;
        while ((seen is null || DateTime.UtcNow - seen < TimeSpan.FromSeconds(3)) && DateTime.UtcNow < giveUp)
        {
            var killed = File.Exists(marker);
            seen ??= killed ? DateTime.UtcNow : null;
            try
            {
                Ray.Get(SharedCalls.Add(counter, 1), TimeSpan.FromSeconds(30));
                ranAfter += killed ? 1 : 0;
            }
            catch (RayActorException)
            {
            }
            after += killed ? 1 : 0;
        }
        Print("calls_after_kill", after);
        Print("ran_after_kill", ranAfter);
    },
    "hold-actor" => () =>
    {
        // A driver whose job owns a live actor, then waits to be killed: the test kills it while the GCS is down.
        var counter = Ray.Actor(() => new SharedCounter(0)).SetLifetime(ActorLifetime.NonDetached).Remote();
        Print("actor_pid", Ray.Get(SharedCalls.Pid(counter), TimeSpan.FromSeconds(60)));
        Print("actor_id", counter.ActorId);
        Print("ready", "true");
        Thread.Sleep(Timeout.Infinite);
    },
    "job-env" => () =>
    {
        // A submitted job's runtime env reaches its tasks, not only its entrypoint (Ray's job runtime_env).
        Print("task_greeting", Ray.Get(Ray.Task(DriverFunctions.Variable, "JOB_GREETING").Remote(), TimeSpan.FromSeconds(120)));
        Print("task_home_lib", Ray.Get(Ray.Task(DriverFunctions.Variable, "JOB_HOME_LIB").Remote(), TimeSpan.FromSeconds(120)));
        Print("task_unset", Ray.Get(Ray.Task(DriverFunctions.Variable, "JOB_UNSET_REF").Remote(), TimeSpan.FromSeconds(120)));
        Print("task_file", Ray.Get(Ray.Task(DriverFunctions.ReadRelative, "data.txt").Remote(), TimeSpan.FromSeconds(120)));
    },
    "job-squares" => () =>
    {
        // A job's driver (submitted through the job API): squares computed on every node of the cluster.
        var nodes = Ray.Nodes().Where(n => n.Alive).Select(n => n.NodeId).Order(StringComparer.Ordinal).ToList();
        var squares = Enumerable.Range(1, 2 * nodes.Count)
            .Select(x => Ray.Task(DriverFunctions.SquareOnNode, x).SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(nodes[x % nodes.Count])).Remote())
            .ToList();
        var results = Ray.Get(squares, TimeSpan.FromSeconds(120));
        for (var i = 0; i < results.Length; i++)
        {
            var (square, node) = (results[i].Split('@')[0], results[i].Split('@')[1]);
            Console.WriteLine($"square({i + 1}) = {square}");
            Print($"node_of_{i + 1}", node);
        }
        Print("nodes_used", results.Select(r => r.Split('@')[1]).Distinct().Count());
    },
    "state-workload" => () =>
    {
        // A known workload for the state API: 5 tasks that finish, 1 that fails, 4 calls of a live actor, an actor
        // killed, and a 2 MiB object this driver keeps; then it waits to be killed, so its job, actor and object stay.
        var ok = Enumerable.Range(0, 5).Select(i => Ray.Task(StateWorkload.Ok, i).Remote()).ToList();
        Print("ok_sum", Ray.Get(ok, TimeSpan.FromSeconds(120)).Sum());
        try
        {
            Ray.Get(Ray.Task(StateWorkload.Fails).Remote(), TimeSpan.FromSeconds(120));
        }
        catch (RayTaskException)
        {
            Print("failed", "true");
        }
        var counter = Ray.Actor(() => new SharedCounter(0)).Remote();
        Ray.Get(SharedCalls.Add(counter, 1), TimeSpan.FromSeconds(120));
        Ray.Get(SharedCalls.Add(counter, 2), TimeSpan.FromSeconds(120));
        Print("actor_pid", Ray.Get(SharedCalls.Pid(counter), TimeSpan.FromSeconds(120)));
        Ray.Get(counter.Task(static (c, text) => StateWorkload.Echo(c, text), StateWorkload.Said + " actor").Remote(), TimeSpan.FromSeconds(120));
        var doomed = Ray.Actor(() => new SharedCounter(0)).Remote();
        Print("doomed_pid", Ray.Get(SharedCalls.Pid(doomed), TimeSpan.FromSeconds(120)));
        Ray.Kill(doomed);
        var kept = Ray.Put(new byte[2 << 20]);
        Print("ready", "true");
        Thread.Sleep(Timeout.Infinite);
        GC.KeepAlive(kept);
        GC.KeepAlive(counter);
    },
    "job-actor-sleep" => () =>
    {
        // A job's driver that owns an actor and runs until it is stopped: stopping the job must end both.
        var counter = Ray.Actor(() => new SharedCounter(0)).SetLifetime(ActorLifetime.NonDetached).Remote();
        Print("actor_pid", Ray.Get(SharedCalls.Pid(counter), TimeSpan.FromSeconds(60)));
        Print("ready", "true");
        Thread.Sleep(Timeout.Infinite);
    },
    "own-cluster-store" => () =>
    {
        // A driver with its own embedded cluster (raylet and store in this process) that fills the
        // store and then waits to be killed: the test checks what a dead raylet leaves behind.
        var kept = Ray.Put(new byte[64 << 20]);
        var made = Ray.Task(DriverFunctions.Bytes, 40 << 20).Remote();
        Print("bytes", Ray.Get(made).Length + Ray.Get(kept).Length);
        Print("ready", "true");
        Thread.Sleep(Timeout.Infinite);
    },
    "own-cluster-task-events" => () =>
    {
        // An embedded cluster (its GCS in this process) recording task events: the tasks' runs reach the GCS from this
        // driver, their owner, with the place of the worker that ran them; the timeline prints what the GCS holds.
        var pids = Ray.Get(Enumerable.Range(0, 10).Select(_ => Ray.Task(DriverFunctions.PidAfter, 0).Remote()).ToList(), TimeSpan.FromSeconds(60));
        Print("task_pids", string.Join(",", pids.Distinct().Order()));
        try
        {
            Ray.Get(Ray.Task(StateWorkload.Fails).Remote(), TimeSpan.FromSeconds(60));
        }
        catch (RayTaskException)
        {
            Print("failed", "true");
        }
        var counter = Ray.Actor(() => new SharedCounter(0)).Remote();
        Ray.Get(SharedCalls.Add(counter, 1), TimeSpan.FromSeconds(60));
        Print("actor_pid", Ray.Get(SharedCalls.Pid(counter), TimeSpan.FromSeconds(60)));
        // A long task shows as running while it runs: its worker reports it at its next flush, its owner only at its end.
        var slow = Ray.Task(DriverFunctions.PidAfter, 8_000).Remote();
        Print("running_seen", TimelineSlices(TimeSpan.FromSeconds(7)).Any(s => s.Name.Contains("PidAfter", StringComparison.Ordinal) && s.State == "RUNNING"));
        Print("slow_pid", Ray.Get(slow, TimeSpan.FromSeconds(60)));
        // 11 PidAfter, 1 Fails, and the actor's creation and 2 calls; the driver flushes every second.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var slices = TimelineSlices(TimeSpan.Zero);
        while (slices.Count(s => s.State != "RUNNING") < 15 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(200);
            slices = TimelineSlices(TimeSpan.Zero);
        }
        foreach (var slice in slices)
        {
            Console.WriteLine($"slice={slice.Name}|{slice.State}|{slice.Pid}");
        }
    },
    "runtime-env" => () =>
    {
        // RayConfig.RuntimeEnv (below) is the job's: every task runs in it, one with an env of its own in both merged.
        Print("job_var", Ray.Get(Ray.Task(DriverFunctions.Variable, "RS_JOB_VAR").Remote(), TimeSpan.FromSeconds(60)));
        var own = new RuntimeEnv { EnvVars = new Dictionary<string, string> { ["RS_TASK_VAR"] = "task" } };
        Print("merged", Ray.Get(Ray.Task(DriverFunctions.Variables, "RS_JOB_VAR", "RS_TASK_VAR").SetRuntimeEnv(own).Remote(), TimeSpan.FromSeconds(60)));
        Print("driver_var", Environment.GetEnvironmentVariable("RS_JOB_VAR") ?? "(unset)");
    },
    "tune-resumable" => () =>
    {
        // A Tune experiment killed midway by the test (fresh), then finished by Tuner.Restore (restore).
        var results = ResumableExperiment.Run(Arg(2), Arg(3), Arg(4) == "restore");
        Print("statuses", string.Join(",", results.Select(r => r.Status)));
        Print("iterations", string.Join(",", results.Select(r => r.MetricsHistory.Count == 0 ? 0 : r.Metrics[RaySharp.Tune.ResultFields.TrainingIteration])));
    },
    _ => null,
};
if (run is null)
{
    Console.Error.WriteLine($"unknown scenario '{scenario}'");
    return 2;
}

try
{
    var nameSpace = scenario.StartsWith("job-", StringComparison.Ordinal) ? "" : scenario == "use-named" ? Arg(2) : Arg(1);
    if (scenario.StartsWith("job-", StringComparison.Ordinal))
    {
        // As a user's program submitted with `raysharp job submit`: a plain Ray.Init() joins the cluster RAYSHARP_ADDRESS names.
        Ray.Init();
    }
    else
    {
        if (scenario == "own-cluster-task-events")
        {
            // Read by this driver's runtime as it starts, and by the workers its raylet starts (they inherit it).
            Environment.SetEnvironmentVariable("RAYSHARP_ENABLE_TASK_EVENTS", "1");
        }
        Ray.Init(scenario switch
        {
            "own-cluster-store" => new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 1, ObjectStoreMemory = 200 << 20 },
            "own-cluster-task-events" => new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 2 },
            "runtime-env" => new RayConfig
            {
                Address = address,
                Namespace = nameSpace,
                RuntimeEnv = new RuntimeEnv { EnvVars = new Dictionary<string, string> { ["RS_JOB_VAR"] = "job" } },
            },
            _ => new RayConfig { Address = address, Namespace = nameSpace },
        });
    }
    var context = Ray.GetRuntimeContext();
    Print("driver_pid", Environment.ProcessId);
    Print("job", context.JobId);
    Print("node", context.NodeId);
    try
    {
        run();
    }
    finally
    {
        Ray.Shutdown();
    }
    Print("done", "true");
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"scenario {scenario} failed: {e}");
    return 1;
}

// The timeline's task slices (polled until one is running, or for at most `within`).
static List<(string Name, string State, int Pid)> TimelineSlices(TimeSpan within)
{
    var deadline = DateTime.UtcNow + within;
    while (true)
    {
        using var trace = System.Text.Json.JsonDocument.Parse(Ray.Timeline());
        var slices = trace.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X" && e.TryGetProperty("args", out var a) && a.TryGetProperty("state", out _))
            .Select(e => (e.GetProperty("name").GetString() ?? "", e.GetProperty("args").GetProperty("state").GetString() ?? "", e.GetProperty("tid").GetInt32()))
            .ToList();
        if (DateTime.UtcNow >= deadline || slices.Any(s => s.Item2 == "RUNNING"))
        {
            return slices;
        }
        Thread.Sleep(200);
    }
}
