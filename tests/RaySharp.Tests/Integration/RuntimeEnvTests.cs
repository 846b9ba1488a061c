using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration;

/// <summary>
/// Ray's runtime environments (test_runtime_env_env_vars.py, test_runtime_env_working_dir.py): env vars and a
/// working dir reach the worker process, workers are pooled per env, children inherit and merge, and an env
/// that cannot be set up fails the task with RuntimeEnvSetupException instead of hanging.
/// </summary>
[Collection("Cluster")]
public sealed class RuntimeEnvTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("raysharp-test-env-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static RuntimeEnv Vars(string name, string value) => new() { EnvVars = new Dictionary<string, string> { [name] = value } };

    private static (string Value, int Pid) Split(string reply)
    {
        var parts = reply.Split('|');
        return (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Env_vars_reach_the_task_and_workers_are_pooled_per_env()
    {
        cluster.EnsureRunning();
        const string name = "RS_TEST_ENV_MODE";

        var alpha = Split(Fetch.Value(Ray.Task(RuntimeEnvFunctions.VariableAndPid, name).SetRuntimeEnv(Vars(name, "alpha")).Remote(), "task in env alpha"));
        var none = Split(Fetch.Value(Ray.Task(RuntimeEnvFunctions.VariableAndPid, name).Remote(), "task without env"));
        var beta = Split(Fetch.Value(Ray.Task(RuntimeEnvFunctions.VariableAndPid, name).SetRuntimeEnv(Vars(name, "beta")).Remote(), "task in env beta"));
        var alphaAgain = Split(Fetch.Value(Ray.Task(RuntimeEnvFunctions.VariableAndPid, name).SetRuntimeEnv(Vars(name, "alpha")).Remote(), "second task in env alpha"));

        Assert.Equal("alpha", alpha.Value);
        Assert.Equal("(unset)", none.Value);
        Assert.Equal("beta", beta.Value);
        Assert.Equal("alpha", alphaAgain.Value);
        // A worker set up for one env never runs a task of another.
        Assert.NotEqual(alpha.Pid, none.Pid);
        Assert.NotEqual(alpha.Pid, beta.Pid);
        Assert.NotEqual(beta.Pid, none.Pid);
    }

    [Fact]
    public void Working_dir_files_are_readable_from_a_copy_that_is_the_current_directory()
    {
        cluster.EnsureRunning();
        var text = "hello " + Guid.NewGuid();
        File.WriteAllText(Path.Combine(_directory, "data.txt"), text);
        Directory.CreateDirectory(Path.Combine(_directory, "sub"));
        File.WriteAllText(Path.Combine(_directory, "sub", "more.txt"), "nested");
        var env = new RuntimeEnv { WorkingDir = _directory };

        Assert.Equal(text, Fetch.Value(Ray.Task(RuntimeEnvFunctions.ReadFile, "data.txt").SetRuntimeEnv(env).Remote(), "data.txt in the working dir"));
        Assert.Equal("nested", Fetch.Value(Ray.Task(RuntimeEnvFunctions.ReadFile, Path.Combine("sub", "more.txt")).SetRuntimeEnv(env).Remote(), "sub/more.txt"));
        var current = Fetch.Value(Ray.Task(RuntimeEnvFunctions.CurrentDirectory).SetRuntimeEnv(env).Remote(), "the worker's current directory");
        Assert.NotEqual(Path.GetFullPath(_directory), Path.GetFullPath(current));
        Assert.Equal(text, File.ReadAllText(Path.Combine(current, "data.txt")));
    }

    [Fact]
    public void A_missing_working_dir_fails_the_task_with_RuntimeEnvSetupException()
    {
        cluster.EnsureRunning();
        var missing = Path.Combine(_directory, "does-not-exist");

        var reference = Ray.Task(RuntimeEnvFunctions.CurrentDirectory).SetRuntimeEnv(new RuntimeEnv { WorkingDir = missing }).Remote();

        var ex = Assert.Throws<RuntimeEnvSetupException>(() => Ray.Get(reference, Fetch.DefaultTimeout));
        Assert.Contains("does-not-exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setup_that_outlasts_its_timeout_fails_the_task()
    {
        cluster.EnsureRunning();
        // Fresh random bytes: never in any node's cache, so the node must fetch them, which takes far longer than 1 ms.
        var bytes = new byte[8 << 20];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(_directory, "big.bin"), bytes);
        var env = new RuntimeEnv { WorkingDir = _directory, Config = new RuntimeEnvConfig { SetupTimeout = TimeSpan.FromMilliseconds(1) } };

        var reference = Ray.Task(RuntimeEnvFunctions.CurrentDirectory).SetRuntimeEnv(env).Remote();

        var ex = Assert.Throws<RuntimeEnvSetupException>(() => Ray.Get(reference, Fetch.DefaultTimeout));
        Assert.Contains("setup timeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_env_no_worker_can_start_in_fails_the_task_instead_of_hanging()
    {
        cluster.EnsureRunning();
        // The runtime refuses to start with a startup hook that does not exist: every worker of this env dies before it registers.
        var env = Vars("DOTNET_STARTUP_HOOKS", Path.Combine(_directory, "no-such-hook.dll"));

        var reference = Ray.Task(RuntimeEnvFunctions.CurrentDirectory).SetRuntimeEnv(env).Remote();

        Assert.Throws<RuntimeEnvSetupException>(() => Ray.Get(reference, TimeSpan.FromSeconds(90)));
        // The node is fine afterwards: tasks without that env still run.
        Assert.Equal("(unset)", Split(Fetch.Value(Ray.Task(RuntimeEnvFunctions.VariableAndPid, "DOTNET_STARTUP_HOOKS").Remote(), "a task after the failed env")).Value);
    }

    [Fact]
    public void Nested_tasks_inherit_the_env_they_are_submitted_from_and_merge_their_own()
    {
        cluster.EnsureRunning();
        const string parent = "RS_TEST_ENV_PARENT";
        const string child = "RS_TEST_ENV_CHILD";

        Assert.Equal("from-parent", Fetch.Value(Ray.Task(RuntimeEnvFunctions.ChildVariable, parent).SetRuntimeEnv(Vars(parent, "from-parent")).Remote(), "a child's inherited variable"));
        Assert.Equal("from-parent,child", Fetch.Value(Ray.Task(RuntimeEnvFunctions.ChildVariables, parent, child).SetRuntimeEnv(Vars(parent, "from-parent")).Remote(), "a child's merged variables"));
    }

    [Fact]
    public void An_actor_runs_in_its_env()
    {
        cluster.EnsureRunning();
        File.WriteAllText(Path.Combine(_directory, "actor.txt"), "actor data");
        var env = new RuntimeEnv { WorkingDir = _directory, EnvVars = new Dictionary<string, string> { ["RS_TEST_ENV_ACTOR"] = "yes" } };

        using var actor = Ray.Actor(() => new EnvActor()).SetResource("CPU", 0).SetRuntimeEnv(env).Remote();

        Assert.Equal("yes", Fetch.Value(actor.Task(a => a.Variable("RS_TEST_ENV_ACTOR")).Remote(), "the actor's variable"));
        Assert.Equal("actor data", Fetch.Value(actor.Task(a => a.ReadFile("actor.txt")).Remote(), "a file of the actor's working dir"));
    }

    [Fact]
    public void An_actor_whose_env_cannot_be_set_up_is_dead_with_the_setup_error_inside()
    {
        cluster.EnsureRunning();
        using var actor = Ray.Actor(() => new EnvActor()).SetResource("CPU", 0)
            .SetRuntimeEnv(new RuntimeEnv { WorkingDir = Path.Combine(_directory, "gone") }).Remote();

        var ex = Assert.Throws<RayActorException>(() => Ray.Get(actor.Task(a => a.Variable("PATH")).Remote(), Fetch.DefaultTimeout));
        Assert.IsType<RuntimeEnvSetupException>(ex.InnerException);
    }

    [Fact]
    public void An_actor_whose_workers_cannot_start_in_its_env_is_dead_with_the_setup_error_inside()
    {
        cluster.EnsureRunning();
        using var actor = Ray.Actor(() => new EnvActor()).SetResource("CPU", 0)
            .SetRuntimeEnv(Vars("DOTNET_STARTUP_HOOKS", Path.Combine(_directory, "no-such-hook.dll"))).Remote();

        var ex = Assert.Throws<RayActorException>(() => Ray.Get(actor.Task(a => a.Variable("PATH")).Remote(), TimeSpan.FromSeconds(90)));
        Assert.IsType<RuntimeEnvSetupException>(ex.InnerException);
    }

    [Fact]
    public void Bad_input_is_refused_at_the_call_site()
    {
        Assert.Throws<ArgumentException>(() => Vars("RAYSHARP_AUTH_TOKEN", "x"));
        Assert.Throws<ArgumentException>(() => Vars("A=B", "x"));
        Assert.Throws<ArgumentException>(() => Vars("", "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RuntimeEnvConfig { SetupTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RuntimeEnvConfig { SetupTimeout = TimeSpan.FromDays(365) });
        Assert.Throws<ArgumentNullException>(() => Ray.Task(RuntimeEnvFunctions.CurrentDirectory).SetRuntimeEnv(null!));
        cluster.EnsureRunning();
        var shared = Assert.Throws<ArgumentException>(() => Ray.Actor(() => new EnvActor()).SetIsolation(ActorIsolation.Shared).SetRuntimeEnv(Vars("A", "b")).Remote());
        Assert.Contains("ActorIsolation.Process", shared.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_jobs_env_from_RayConfig_applies_to_every_task_and_merges_with_a_tasks_own()
    {
        cluster.EnsureRunning();

        var run = SecondDriver.Run(["runtime-env", ClusterFixture.Namespace]).AssertSucceededIn(Ray.GetRuntimeContext().NodeId);

        Assert.Equal("job", run["job_var"]);
        Assert.Equal("job,task", run["merged"]);
        // The driver process itself is not changed by its job's env (as in Ray).
        Assert.Equal("(unset)", run["driver_var"]);
    }
}
