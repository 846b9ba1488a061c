using System.Diagnostics;
using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration;

/// <summary>Ray.GetAsync, Ray.WaitAsync, awaiting refs, and cancellation tokens on the blocking calls (issue 14, item 6).</summary>
[Collection("Cluster")]
public sealed class AsyncApiTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_prompt = TimeSpan.FromSeconds(5);

    [Fact]
    public void GetAsync_of_a_slow_task_returns_its_value_without_blocking_the_caller()
    {
        cluster.EnsureRunning();
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 7, 1_500).Remote();
        var others = Enumerable.Range(0, 2).Select(i => Ray.Task(BasicFunctions.SleepThenReturn, i, 1_500).Remote()).ToList();

        var one = Ray.GetAsync(slow);
        var many = Ray.GetAsync(others, Fetch.DefaultTimeout);

        // A Get behind a task would only return with the value.
        Assert.False(one.IsCompleted, "GetAsync returned a finished task for a task that sleeps 1.5 s");
        Assert.Equal(7, Completed(one, "GetAsync of the slow task"));
        Assert.Equal([0, 1], Completed(many, "GetAsync of two slow tasks"));
    }

    [Fact]
    public async Task A_GetAsync_pending_at_Shutdown_ends_with_OwnerDiedException_instead_of_waiting_forever()
    {
        cluster.EnsureRunning();
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 1, 60_000).Remote();
        var pending = Ray.GetAsync(slow);
        var blocked = Task.Run(() => Ray.Get(slow));
        await Task.Delay(200);
        Assert.False(pending.IsCompleted);
        try
        {
            Ray.Shutdown();
            var error = await Assert.ThrowsAsync<OwnerDiedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("Ray.Shutdown", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<OwnerDiedException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    [Fact]
    public void A_cancelled_GetAsync_throws_at_once_and_the_ref_is_still_gettable_once_ready()
    {
        WithGate(gate =>
        {
            var pending = Pending(gate, "get");
            var pendingList = new[] { Pending(gate, "list") };
            using var cancel = new CancellationTokenSource();
            var one = Ray.GetAsync(pending, cancel.Token);
            var withTimeout = Ray.GetAsync(pending, Fetch.DefaultTimeout, cancel.Token);
            var many = Ray.GetAsync(pendingList, cancel.Token);
            Assert.False(one.IsCompleted);

            var clock = Stopwatch.StartNew();
            cancel.Cancel();
            AssertCancelledPromptly(one, "GetAsync(ref)");
            AssertCancelledPromptly(withTimeout, "GetAsync(ref, timeout)");
            AssertCancelledPromptly(many, "GetAsync(refs)");
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, s_prompt);

            Open(gate, "get", "a");
            Open(gate, "list", "b");
            Assert.Equal("opened a", Completed(Ray.GetAsync(pending), "GetAsync after the gate opened"));
            Assert.Equal("opened a", Fetch.Value(pending, "Get after the gate opened"));
            Assert.Equal(["opened b"], Fetch.Values(pendingList, "Get of the list after the gate opened"));
        });
    }

    [Fact]
    public void A_cancelled_WaitAsync_throws_at_once_and_a_later_Wait_sees_the_ref_ready()
    {
        WithGate(gate =>
        {
            var pending = Pending(gate, "wait");
            var done = Ray.Put(1);
            using var cancel = new CancellationTokenSource();
            var typed = Ray.WaitAsync([pending], cancellationToken: cancel.Token);
            var untyped = Ray.WaitAsync(new ObjectRef[] { pending, done }, numReturns: 2, timeout: Fetch.DefaultTimeout, cancellationToken: cancel.Token);
            Assert.False(typed.IsCompleted);

            cancel.Cancel();
            AssertCancelledPromptly(typed, "WaitAsync(refs)");
            AssertCancelledPromptly(untyped, "WaitAsync(refs, 2, timeout)");

            Open(gate, "wait", "c");
            var (ready, notReady) = Completed(Ray.WaitAsync([pending], timeout: Fetch.DefaultTimeout), "WaitAsync after the gate opened");
            Assert.Equal([pending], ready);
            Assert.Empty(notReady);
            Assert.Equal("opened c", Fetch.Value(pending, "Get after the gate opened"));
        });
    }

    [Fact]
    public void Blocking_Get_Wait_and_GetView_end_with_OperationCanceledException_when_their_token_is_cancelled()
    {
        WithGate(gate =>
        {
            var pending = Pending(gate, "blocking");
            // Larger than 100 KiB: read in place from the object store once ready.
            var pendingArray = gate.Task((g, n, length) => g.AwaitArray(n, length), "array", 20_000).Remote();
            var calls = new (string Name, Action<CancellationToken> Call)[]
            {
                ("Get(ref)", t => Ray.Get(pending, t)),
                ("Get(ref, timeout)", t => Ray.Get(pending, Fetch.DefaultTimeout, t)),
                ("Get(refs)", t => Ray.Get([pending], t)),
                ("Get(refs, timeout)", t => Ray.Get([pending], Fetch.DefaultTimeout, t)),
                ("Wait(refs)", t => Ray.Wait([pending], cancellationToken: t)),
                ("Wait(untyped refs, timeout)", t => Ray.Wait(new ObjectRef[] { pending }, timeout: Fetch.DefaultTimeout, cancellationToken: t)),
                ("GetView(ref)", t => Ray.GetView(pendingArray, cancellationToken: t).Dispose()),
                ("ref.GetView(timeout)", t => pendingArray.GetView(Fetch.DefaultTimeout, t).Dispose()),
            };
            foreach (var (name, call) in calls)
            {
                using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                var clock = Stopwatch.StartNew();
                var thrown = Record.Exception(() => call(cancel.Token));
                Assert.True(thrown is OperationCanceledException, $"{name} threw {thrown?.GetType().Name ?? "nothing"} instead of OperationCanceledException");
                Assert.True(clock.Elapsed < s_prompt, $"{name} took {clock.Elapsed} to notice its cancelled token");
            }

            // A token cancelled before the call ends a wait at once too (a wait that fetches objects here included).
            foreach (var fetchLocal in new[] { true, false })
            {
                var clock = Stopwatch.StartNew();
                var thrown = Record.Exception(() => Ray.Wait([pending], fetchLocal: fetchLocal, cancellationToken: new CancellationToken(true)));
                Assert.True(thrown is OperationCanceledException, $"Wait(fetchLocal: {fetchLocal}) with a cancelled token threw {thrown?.GetType().Name ?? "nothing"}");
                Assert.True(clock.Elapsed < s_prompt, $"Wait(fetchLocal: {fetchLocal}) took {clock.Elapsed} to notice its cancelled token");
                var async = Ray.WaitAsync([pending], fetchLocal: fetchLocal, cancellationToken: new CancellationToken(true));
                AssertCancelledPromptly(async, $"WaitAsync(fetchLocal: {fetchLocal}) with a cancelled token");
            }

            Open(gate, "blocking", "d");
            Open(gate, "array", "2.5");
            Assert.Equal("opened d", Fetch.Value(pending, "Get after the gate opened"));
            using var view = pendingArray.GetView(Fetch.DefaultTimeout);
            Assert.True(view.IsZeroCopy);
            Assert.Equal(20_000, view.Span.Length);
            Assert.Equal(2.5, view.Span[19_999]);
        });
    }

    [Fact]
    public void ConfigureAwait_false_continues_off_the_captured_context_and_true_on_it()
    {
        WithGate(gate =>
        {
            foreach (var onContext in new[] { false, true })
            {
                var name = "context-" + onContext;
                var context = new CountingContext();
                var reference = Pending(gate, name);
                Task<(bool OnContext, string Value)> awaiting;
                var previous = SynchronizationContext.Current;
                SynchronizationContext.SetSynchronizationContext(context);
                try
                {
                    awaiting = AwaitOn(reference, context, onContext);
                }
                finally
                {
                    SynchronizationContext.SetSynchronizationContext(previous);
                }
                // Not ready yet, so the await really suspends and the continuation's place is decided.
                Assert.False(awaiting.IsCompleted);

                Open(gate, name, "e");
                var (ranOnContext, value) = Completed(awaiting, $"await with ConfigureAwait({onContext})");

                Assert.Equal("opened e", value);
                Assert.Equal(onContext, ranOnContext);
                if (onContext)
                {
                    Assert.True(context.Posts >= 1, "ConfigureAwait(true) never posted to the captured context");
                }
                else
                {
                    Assert.Equal(0, context.Posts);
                }
            }
        });
    }

    [Fact]
    public void An_async_actor_awaiting_another_actors_call_serves_other_calls_meanwhile()
    {
        cluster.EnsureRunning();
        var gate = Ray.Actor(() => new AsyncGate()).Remote();
        var relay = Ray.Actor(() => new AsyncRelay()).Remote();
        try
        {
            var relayed = relay.Task((r, g, n) => r.Relay(g, n), gate, "relay").Remote();

            // The relay call started first and now awaits the gate: a blocked event loop would hold the ping until the gate opens.
            Assert.Equal("pong", Fetch.Value(relay.Task(r => r.Ping()).Remote(), "a ping while the relay awaits", TimeSpan.FromSeconds(30)));
            Assert.Empty(Ray.Wait([relayed], timeout: TimeSpan.Zero).Ready);

            Open(gate, "relay", "f");
            Assert.Equal("relayed opened f", Fetch.Value(relayed, "the relay once the gate opened"));
        }
        finally
        {
            Ray.Kill(relay);
            Ray.Kill(gate);
        }
    }

    private static async Task<(bool OnContext, string Value)> AwaitOn(ObjectRef<string> reference, SynchronizationContext context, bool continueOnCapturedContext)
    {
        var value = await reference.ConfigureAwait(continueOnCapturedContext);
        return (SynchronizationContext.Current == context, value);
    }

    // A fresh gate actor for the test, killed after it whatever happens.
    private void WithGate(Action<ActorHandle<AsyncGate>> test)
    {
        cluster.EnsureRunning();
        var gate = Ray.Actor(() => new AsyncGate()).Remote();
        try
        {
            test(gate);
        }
        finally
        {
            Ray.Kill(gate);
        }
    }

    private static ObjectRef<string> Pending(ActorHandle<AsyncGate> gate, string name) => gate.Task((g, n) => g.Await(n), name).Remote();

    private static void Open(ActorHandle<AsyncGate> gate, string name, string value) =>
        Assert.True(Fetch.Value(gate.Task((g, n, v) => g.Open(n, v), name, value).Remote(), "opening gate " + name));

    private static T Completed<T>(Task<T> task, string what) => Eventually.Result(task, Fetch.DefaultTimeout, what);

    private static void AssertCancelledPromptly(Task task, string what)
    {
        Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(s_prompt), $"{what} did not end within {s_prompt.TotalSeconds} s of the cancel");
        Assert.True(task.IsCanceled, $"{what} ended {task.Status} instead of cancelled: {task.Exception?.GetBaseException().Message}");
    }

    /// <summary>A context that runs posted work on the thread pool, as itself, and counts the posts.</summary>
    private sealed class CountingContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                SetSynchronizationContext(this);
                try
                {
                    d(state);
                }
                finally
                {
                    SetSynchronizationContext(null);
                }
            }, null);
        }
    }
}
