using RaySharp.Tests.Integration.Actors;
using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration;

/// <summary>
/// Ray's retry_exceptions=[...] and max_retries=-1 (test_failure's retry_exceptions tests): which application
/// exceptions are retried, counted in attempts the task records in a file.
/// </summary>
[Collection("Cluster")]
public sealed class RetryExceptionTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("raysharp-test-retry-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string AttemptsFile() => Path.Combine(_directory, Guid.NewGuid().ToString("N"));

    [Fact]
    public void An_exception_not_of_the_named_types_is_not_retried()
    {
        cluster.EnsureRunning();
        var attempts = AttemptsFile();

        var reference = Ray.Task(RetryFunctions.ThrowTimes, attempts, 10, "argument")
            .SetMaxRetries(2).SetRetryExceptions(typeof(InvalidOperationException)).Remote();

        var ex = Assert.Throws<RayTaskException>(() => Ray.Get(reference, Fetch.DefaultTimeout));
        Assert.IsType<ArgumentException>(ex.InnerException);
        Assert.Equal(1, Attempts.Count(attempts));
    }

    /// <summary>Ray: a child's failure re-raised by Get is an instance of its cause's class, so retry_exceptions=[type] matches it.</summary>
    [Fact]
    public void A_childs_exception_of_a_named_type_surfacing_through_Get_is_retried()
    {
        cluster.EnsureRunning();
        var retried = AttemptsFile();
        Assert.Equal(2, Fetch.Value(Ray.Task(RetryFunctions.ChildThrowTimes, retried, 1, "invalid-operation")
            .SetMaxRetries(2).SetRetryExceptions(typeof(InvalidOperationException)).Remote(), "a parent retried for its child's exception"));

        var other = AttemptsFile();
        Assert.Throws<RayTaskException>(() => Ray.Get(Ray.Task(RetryFunctions.ChildThrowTimes, other, 1, "argument")
            .SetMaxRetries(2).SetRetryExceptions(typeof(InvalidOperationException)).Remote(), Fetch.DefaultTimeout));
        Assert.Equal(1, Attempts.Count(other));
    }

    [Theory]
    [InlineData("invalid-operation")]
    [InlineData("decoder-fallback")]   // DecoderFallbackException derives from the named ArgumentException
    public void An_exception_of_a_named_type_or_a_derived_one_is_retried_until_retries_run_out(string kind)
    {
        cluster.EnsureRunning();
        var attempts = AttemptsFile();

        var reference = Ray.Task(RetryFunctions.ThrowTimes, attempts, 10, kind)
            .SetMaxRetries(2).SetRetryExceptions(typeof(ArgumentException), typeof(InvalidOperationException)).Remote();

        var ex = Assert.Throws<RayTaskException>(() => Ray.Get(reference, Fetch.DefaultTimeout));
        Assert.Equal(Attempts.Exception(kind, 3).GetType(), ex.InnerException!.GetType());
        Assert.Equal("attempt 3", ex.InnerException.Message);
        Assert.Equal(3, Attempts.Count(attempts));
    }

    [Fact]
    public void The_applications_own_exception_base_type_is_resolved_in_the_worker()
    {
        cluster.EnsureRunning();
        var attempts = AttemptsFile();

        var reference = Ray.Task(RetryFunctions.ThrowTimes, attempts, 2, "flaky-timeout")
            .SetMaxRetries(3).SetRetryExceptions(typeof(FlakyException)).Remote();

        Assert.Equal(3, Fetch.Value(reference, "ThrowTimes(2 FlakyTimeoutExceptions) retried on FlakyException"));
    }

    [Fact]
    public void SetRetryExceptions_false_after_types_retries_nothing()
    {
        cluster.EnsureRunning();
        var attempts = AttemptsFile();

        var reference = Ray.Task(RetryFunctions.ThrowTimes, attempts, 1, "invalid-operation")
            .SetMaxRetries(2).SetRetryExceptions(typeof(InvalidOperationException)).SetRetryExceptions(false).Remote();

        Assert.Throws<RayTaskException>(() => Ray.Get(reference, Fetch.DefaultTimeout));
        Assert.Equal(1, Attempts.Count(attempts));
    }

    [Fact]
    public void MaxRetries_minus_one_retries_exceptions_past_the_default_budget()
    {
        cluster.EnsureRunning();
        var attempts = AttemptsFile();

        // Five failures: more than the default of 3 retries.
        var reference = Ray.Task(RetryFunctions.ThrowTimes, attempts, 5, "invalid-operation")
            .SetMaxRetries(-1).SetRetryExceptions(typeof(InvalidOperationException)).Remote();

        Assert.Equal(6, Fetch.Value(reference, "ThrowTimes(5) with infinite retries"));
    }

    [Fact]
    public void MaxRetries_minus_one_retries_worker_deaths_past_the_default_budget()
    {
        cluster.EnsureRunning();
        var attempts = AttemptsFile();

        var reference = Ray.Task(RetryFunctions.DieTimes, attempts, 4).SetMaxRetries(-1).Remote();

        Assert.Equal(5, Fetch.Value(reference, "DieTimes(4) with infinite retries"));
    }

    [Fact]
    public void An_actor_call_is_retried_only_for_the_named_types_within_max_task_retries()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new FlakyActor()).SetMaxTaskRetries(2).Remote();
        try
        {
            var wrongType = AttemptsFile();
            var ex = Assert.Throws<RayTaskException>(() => Ray.Get(actor.Task((a, p, n, k) => a.ThrowTimes(p, n, k), wrongType, 10, "argument")
                .SetRetryExceptions(typeof(InvalidOperationException)).Remote(), Fetch.DefaultTimeout));
            Assert.IsType<ArgumentException>(ex.InnerException);
            Assert.Equal(1, Attempts.Count(wrongType));

            var exhausted = AttemptsFile();
            ex = Assert.Throws<RayTaskException>(() => Ray.Get(actor.Task((a, p, n, k) => a.ThrowTimes(p, n, k), exhausted, 10, "flaky-timeout")
                .SetRetryExceptions(typeof(FlakyException)).Remote(), Fetch.DefaultTimeout));
            Assert.Equal("attempt 3", ex.InnerException!.Message);
            Assert.Equal(3, Attempts.Count(exhausted));

            var recovers = AttemptsFile();
            Assert.Equal(3, Fetch.Value(actor.Task((a, p, n, k) => a.ThrowTimes(p, n, k), recovers, 2, "invalid-operation")
                .SetRetryExceptions(true).Remote(), "ThrowTimes(2) on the actor with RetryExceptions(true)"));

            // Without SetRetryExceptions an actor call is never retried for an exception, whatever its budget.
            var unasked = AttemptsFile();
            Assert.Throws<RayTaskException>(() => Ray.Get(actor.Task((a, p, n, k) => a.ThrowTimes(p, n, k), unasked, 1, "invalid-operation").Remote(), Fetch.DefaultTimeout));
            Assert.Equal(1, Attempts.Count(unasked));
            // Every attempt ran on the same actor state: 1 + 3 + 3 + 1 calls.
            Assert.Equal(8, Fetch.Value(actor.Task(a => a.Calls()).Remote(), "Calls"));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    /// <summary>Ray's <c>.options(max_task_retries=n)</c> on an actor method: the call's own budget, in place of the actor's.</summary>
    [Fact]
    public void A_calls_own_max_task_retries_replaces_the_actors()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new FlakyActor()).SetMaxRestarts(-1).Remote();
        try
        {
            // The actor's budget is 0: the call's 3 lets it outlive two deaths of the process.
            var deaths = AttemptsFile();
            Assert.Equal(3, Fetch.Value(actor.Task((a, p, n) => a.DieTimes(p, n), deaths, 2).SetMaxTaskRetries(3).Remote(), "DieTimes(2) with the call's 3 retries"));

            var throws = AttemptsFile();
            var ex = Assert.Throws<RayTaskException>(() => Ray.Get(actor.Task((a, p, n, k) => a.ThrowTimes(p, n, k), throws, 10, "invalid-operation")
                .SetMaxTaskRetries(1).SetRetryExceptions(true).Remote(), Fetch.DefaultTimeout));
            Assert.Equal(2, Attempts.Count(throws));
            Assert.IsType<InvalidOperationException>(ex.InnerException);
            Assert.Throws<ArgumentException>(() => actor.Task(a => a.Calls()).SetMaxTaskRetries(-2));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void MaxTaskRetries_minus_one_retries_an_actor_call_past_deaths_and_exceptions()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new FlakyActor()).SetMaxRestarts(-1).SetMaxTaskRetries(-1).Remote();
        try
        {
            var deaths = AttemptsFile();
            Assert.Equal(4, Fetch.Value(actor.Task((a, p, n) => a.DieTimes(p, n), deaths, 3).Remote(), "DieTimes(3) with infinite task retries"));

            var throws = AttemptsFile();
            Assert.Equal(6, Fetch.Value(actor.Task((a, p, n, k) => a.ThrowTimes(p, n, k), throws, 5, "invalid-operation")
                .SetRetryExceptions(typeof(InvalidOperationException)).Remote(), "ThrowTimes(5) with infinite task retries"));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }
}
