using System.Diagnostics;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class ErrorTests(ClusterFixture cluster)
{
    [Fact]
    public void A_throwing_task_gives_RayTaskException_with_the_original_inner()
    {
        cluster.EnsureRunning();
        var reference = Ray.Task(ErrorFunctions.Oops).Remote();

        var ex = Assert.Throws<RayTaskException>(() => Ray.Get(reference, Fetch.DefaultTimeout));

        Assert.Equal("ErrorFunctions.Oops", ex.FunctionName);
        Assert.NotEqual(Environment.ProcessId, ex.Pid);
        Assert.Contains("ErrorFunctions.Oops", ex.Message, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Oops", ex.Message, StringComparison.Ordinal);
        // The remote stack trace names the function that threw.
        Assert.Contains("ErrorFunctions.Oops", ex.Message[ex.Message.IndexOf('\n', StringComparison.Ordinal)..], StringComparison.Ordinal);
        var inner = Assert.IsType<InvalidOperationException>(ex.InnerException);
        Assert.Equal("Oops", inner.Message);
    }

    [Fact]
    public void A_failed_argument_keeps_the_chain()
    {
        cluster.EnsureRunning();
        var echo = Ray.Task(ErrorFunctions.Echo, Ray.Task(ErrorFunctions.Bad).Remote()).Remote();

        var ex = Assert.Throws<RayTaskException>(() => Ray.Get(echo, Fetch.DefaultTimeout));

        Assert.Equal("ErrorFunctions.Echo", ex.FunctionName);
        // Ray's rule: the cause is the original exception, one level down, however many tasks it passed through.
        Assert.Contains("ErrorFunctions.Bad", ex.Message, StringComparison.Ordinal);
        var original = Assert.IsType<InvalidOperationException>(ex.InnerException);
        Assert.Equal("Bad", original.Message);
    }

    [Fact]
    public void A_failure_a_task_gets_and_lets_escape_reaches_the_driver_as_its_original_type()
    {
        cluster.EnsureRunning();
        var sum = Ray.Task(ErrorFunctions.SumOfGets, new[] { Ray.Put(1), Ray.Task(ErrorFunctions.Bad).Remote() }).Remote();

        var ex = Assert.Throws<RayTaskException>(() => Ray.Get(sum, Fetch.DefaultTimeout));

        Assert.Equal("ErrorFunctions.SumOfGets", ex.FunctionName);
        Assert.Equal("Bad", Assert.IsType<InvalidOperationException>(ex.InnerException).Message);
    }

    [Fact]
    public void An_argument_exception_keeps_its_type_and_parameter_name()
    {
        cluster.EnsureRunning();
        var ex = Assert.Throws<RayTaskException>(() => Ray.Get(Ray.Task(ErrorFunctions.NullArgument, (string?)null).Remote(), Fetch.DefaultTimeout));
        Assert.Equal("text", Assert.IsType<ArgumentNullException>(ex.InnerException).ParamName);
    }

    [Fact]
    public void Tasks_queued_on_one_pending_ref_all_get_its_value_or_all_fail_with_its_failure()
    {
        cluster.EnsureRunning();
        // Both refs are still pending while the tasks that take them are submitted: the tasks wait on each together.
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 7, 1_000).Remote();
        var failing = Ray.Task(ErrorFunctions.BadAfter, 1_000).Remote();
        var sums = Enumerable.Range(0, 300).Select(i => Ray.Task(BasicFunctions.Add, slow, i).Remote()).ToList();
        var echoes = Enumerable.Range(0, 300).Select(_ => Ray.Task(ErrorFunctions.Echo, failing).Remote()).ToList();

        Assert.Equal(Enumerable.Range(7, 300), Ray.Get(sums, Fetch.DefaultTimeout));
        foreach (var echo in echoes)
        {
            var ex = Assert.Throws<RayTaskException>(() => Ray.Get(echo, Fetch.DefaultTimeout));
            Assert.Equal("ErrorFunctions.Echo", ex.FunctionName);
            Assert.Contains("ErrorFunctions.BadAfter", ex.Message, StringComparison.Ordinal);
            Assert.IsType<InvalidOperationException>(ex.InnerException);
        }
    }

    [Fact]
    public void Get_of_a_list_fails_fast_on_the_first_failure()
    {
        cluster.EnsureRunning();
        var bad = Ray.Task(ErrorFunctions.Bad).Remote();
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 1, 15_000).Remote();

        var clock = Stopwatch.StartNew();
        var ex = Assert.Throws<RayTaskException>(() => Ray.Get([bad, slow], TimeSpan.FromSeconds(60)));
        clock.Stop();

        Assert.Equal("ErrorFunctions.Bad", ex.FunctionName);
        // Well before the slow task's 15 s, with room for a loaded machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Get took {clock.Elapsed.TotalSeconds:0.0} s; it should fail as soon as 'bad' fails");
    }

    [Fact]
    public void ErrorInfo_lists_the_failure()
    {
        cluster.EnsureRunning();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var reference = Ray.Task(ErrorFunctions.Oops).Remote();
        Assert.Throws<RayTaskException>(() => Ray.Get(reference, Fetch.DefaultTimeout));

        var info = Ray.ErrorInfo().Last(e => e.FunctionName == "ErrorFunctions.Oops");

        Assert.Equal("System.InvalidOperationException", info.Type);
        Assert.Equal("Oops", info.Message);
        Assert.InRange(info.Time, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(32, info.TaskId.Length);
        Assert.StartsWith(info.TaskId, reference.ObjectId, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exception_type_the_driver_cannot_recreate_becomes_RemoteException()
    {
        cluster.EnsureRunning();
        var ex = Assert.Throws<RayTaskException>(() => Ray.Get(Ray.Task(ErrorFunctions.Unknown).Remote(), Fetch.DefaultTimeout));
        var inner = Assert.IsType<RemoteException>(ex.InnerException);
        Assert.Equal(typeof(TaskOnlyException).FullName, inner.RemoteTypeName);
        Assert.Equal("only the worker has thrown this", inner.Message);
    }

    [Fact]
    public void RetryExceptions_retries_a_throwing_task()
    {
        cluster.EnsureRunning();
        var marker = Path.Combine(Path.GetTempPath(), "raysharp-test-throw-" + Guid.NewGuid().ToString("N"));
        try
        {
            var reference = Ray.Task(ErrorFunctions.ThrowOnce, marker).SetMaxRetries(1).SetRetryExceptions(true).Remote();
            Assert.Equal(7, Fetch.Value(reference, "ThrowOnce with RetryExceptions"));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public void Without_RetryExceptions_a_throwing_task_is_not_retried()
    {
        cluster.EnsureRunning();
        var marker = Path.Combine(Path.GetTempPath(), "raysharp-test-throw-" + Guid.NewGuid().ToString("N"));
        try
        {
            var reference = Ray.Task(ErrorFunctions.ThrowOnce, marker).SetMaxRetries(3).Remote();
            var ex = Assert.Throws<RayTaskException>(() => Ray.Get(reference, Fetch.DefaultTimeout));
            Assert.Equal("first attempt", ex.InnerException!.Message);
        }
        finally
        {
            File.Delete(marker);
        }
    }
}
