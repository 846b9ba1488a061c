using System.Diagnostics;
using System.Globalization;
using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration;

/// <summary>Streaming generators (issue 14 item 5), after Ray's test_streaming_generator.py.</summary>
[Collection("Cluster")]
public sealed class StreamingGeneratorTests(ClusterFixture cluster) : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("raysharp-test-stream-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_stream_yields_a_ref_per_item_in_order()
    {
        cluster.EnsureRunning();

        using var stream = Ray.Task(GeneratorFunctions.Range, 20).RemoteStream();

        var values = Read(stream, "Range(20)").Select(r => Fetch.Value(r, "an item of Range(20)")).ToList();
        Assert.Equal(Enumerable.Range(0, 20), values);
    }

    [Fact]
    public async Task An_async_generator_streams_through_await_foreach()
    {
        cluster.EnsureRunning();

        using var stream = Ray.Task(GeneratorFunctions.AsyncWords, 5).RemoteStream();

        var words = new List<string>();
        using var timeout = new CancellationTokenSource(s_wait);
        await foreach (var reference in stream.AsAsyncEnumerable().WithCancellation(timeout.Token))
        {
            words.Add(await reference.AsTask().WaitAsync(s_wait));
        }
        Assert.Equal(["word0", "word1", "word2", "word3", "word4"], words);
    }

    [Fact]
    public void Backpressure_of_10_never_lets_1000_items_run_more_than_10_ahead()
    {
        cluster.EnsureRunning();
        var progress = Path.Combine(_directory, "produced");

        using var stream = Ray.Task(GeneratorFunctions.RangeWithProgress, 1_000, progress).SetGeneratorBackpressure(10).RemoteStream();

        // Nothing consumed: the generator fills the window of 10 and stops there.
        Eventually.True(() => Produced(progress) == 10, s_wait, "the generator to produce its first 10 items");
        Thread.Sleep(500);
        Assert.Equal(10, Produced(progress));
        var consumed = 0;
        foreach (var reference in Read(stream, "RangeWithProgress"))
        {
            consumed++;
            var produced = Produced(progress);
            Assert.True(produced <= consumed + 10, $"{produced} items produced with only {consumed} consumed (back-pressure 10)");
            Assert.Equal(consumed - 1, Fetch.Value(reference, $"item {consumed - 1}"));
        }
        Assert.Equal(1_000, consumed);
        Assert.Equal(1_000, Produced(progress));
    }

    [Fact]
    public void An_exception_mid_stream_is_the_next_ref_and_the_refs_before_it_stay_valid()
    {
        cluster.EnsureRunning();

        using var stream = Ray.Task(GeneratorFunctions.FailAfter, 3).SetMaxRetries(0).RemoteStream();

        var refs = Read(stream, "FailAfter(3)").ToList();
        Assert.Equal(4, refs.Count);
        Assert.Equal([0, 1, 2], refs.Take(3).Select(r => Fetch.Value(r, "an item before the failure")));
        var error = Assert.Throws<RayTaskException>(() => Ray.Get(refs[3], s_wait));
        Assert.Contains("generator failed after 3 items", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(GeneratorFunctions.FailAfter), error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Read(stream, "FailAfter(3) after its end"));
    }

    [Fact]
    public void A_generator_whose_worker_is_killed_mid_stream_is_retried_and_yields_every_item_once()
    {
        cluster.EnsureRunning();
        var pidFile = Path.Combine(_directory, "pid");

        using var stream = Ray.Task(GeneratorFunctions.PublishPidThenRange, 30, pidFile).SetGeneratorBackpressure(2).SetMaxRetries(1).RemoteStream();

        var values = new List<int>();
        using var items = Read(stream, "PublishPidThenRange").GetEnumerator();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(items.MoveNext(), $"the stream ended after {i} items");
            values.Add(Fetch.Value(items.Current, $"item {i}"));
        }
        // Back-pressure 2 holds the generator a few items ahead: the kill lands mid-stream.
        var pid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        using (var worker = Process.GetProcessById(pid))
        {
            worker.Kill();
            Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(10)), $"worker {pid} did not exit after SIGKILL");
        }
        while (items.MoveNext())
        {
            values.Add(Fetch.Value(items.Current, $"item {values.Count}"));
        }

        Assert.Equal(Enumerable.Range(0, 30), values);
        Assert.NotEqual(pid, int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_actor_method_streams_from_the_actors_state()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new GeneratorActor()).Remote();

        using var first = actor.Task((a, n) => a.Take(n), 3).RemoteStream();
        using var second = actor.Task((a, n) => a.Take(n), 4).RemoteStream();

        Assert.Equal([0, 1, 2], Read(first, "Take(3)").Select(r => Fetch.Value(r, "an item of the first call")));
        Assert.Equal([3, 4, 5, 6], Read(second, "Take(4)").Select(r => Fetch.Value(r, "an item of the second call")));
    }

    [Fact]
    public async Task An_async_actor_generator_paused_by_backpressure_leaves_the_event_loop_to_other_calls()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new AsyncGeneratorActor()).Remote();

        using var stream = actor.Task((a, n) => a.Ticks(n), 50).SetGeneratorBackpressure(1).RemoteStream();
        using var timeout = new CancellationTokenSource(s_wait);
        var first = await stream.NextAsync(timeout.Token);
        Assert.NotNull(first);

        // The generator now waits for its next item to be consumed; the actor still answers.
        Assert.Equal(1, Fetch.Value(actor.Task(a => a.Ping()).Remote(), "a call beside the paused generator"));
        var ticks = new List<int> { await first.AsTask().WaitAsync(s_wait) };
        await foreach (var reference in stream.AsAsyncEnumerable().WithCancellation(timeout.Token))
        {
            ticks.Add(await reference.AsTask().WaitAsync(s_wait));
        }
        Assert.Equal(Enumerable.Range(0, 50), ticks);
    }

    [Fact]
    public async Task Cancelling_an_async_actor_generator_ends_its_stream_at_once_even_at_an_await_that_ignores_the_token()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new AsyncGeneratorActor()).Remote();
        try
        {
            using var stream = actor.Task(a => a.OneThenStall()).RemoteStream();
            using var timeout = new CancellationTokenSource(s_wait);
            var first = await stream.NextAsync(timeout.Token);
            Assert.Equal(1, await first!.AsTask().WaitAsync(s_wait));

            Ray.Cancel(stream);

            // Ray cancels the asyncio task at its await: the stream's next ref says so long before the minute is up.
            var next = await stream.NextAsync(timeout.Token);
            Assert.NotNull(next);
            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(next, TimeSpan.FromSeconds(20)));
            // The actor serves on.
            Assert.Equal(1, Fetch.Value(actor.Task(a => a.Ping()).Remote(), "a call after the cancelled generator"));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void Refs_from_a_stream_can_be_passed_to_other_tasks()
    {
        cluster.EnsureRunning();

        using var stream = Ray.Task(GeneratorFunctions.Range, 6).RemoteStream();

        var squares = Read(stream, "Range(6)").Select(r => Ray.Task(BasicFunctions.Square, r).Remote()).ToList();
        Assert.Equal([0, 1, 4, 9, 16, 25], Fetch.Values(squares, "squares of the streamed items"));
    }

    [Fact]
    public void Large_items_go_through_the_object_store()
    {
        cluster.EnsureRunning();
        const int bytes = 10 << 20;

        using var stream = Ray.Task(GeneratorFunctions.LargeItems, 3, bytes).RemoteStream();

        var index = 0;
        foreach (var reference in Read(stream, "LargeItems"))
        {
            index++;
            using var view = Ray.GetView(reference, s_wait);
            var item = view.Span;
            Assert.Equal(bytes, item.Length);
            Assert.Equal((byte)index, item[0]);
            Assert.Equal((byte)index, item[^1]);
        }
        Assert.Equal(3, index);
    }

    [Fact]
    public void Cancelling_a_stream_stops_the_generator_and_its_next_ref_says_so()
    {
        cluster.EnsureRunning();
        var stopped = Path.Combine(_directory, "stopped");

        using var stream = Ray.Task(GeneratorFunctions.Endless, stopped).RemoteStream();
        using var items = Read(stream, "Endless").GetEnumerator();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(items.MoveNext());
            Assert.Equal(i, Fetch.Value(items.Current, $"item {i}"));
        }

        Ray.Cancel(stream);

        Eventually.True(() => File.Exists(stopped), s_wait, "the cancelled generator's finally block to run");
        ObjectRef<int>? last = null;
        while (items.MoveNext())
        {
            last = items.Current;
        }
        Assert.NotNull(last);
        Assert.Throws<RayTaskCancelledException>(() => Ray.Get(last, s_wait));
        ClusterFixture.WaitUntilIdle();
    }

    [Fact]
    public void Disposing_a_stream_early_stops_the_generator()
    {
        cluster.EnsureRunning();
        var stopped = Path.Combine(_directory, "stopped");

        var stream = Ray.Task(GeneratorFunctions.Endless, stopped).SetGeneratorBackpressure(5).RemoteStream();
        Assert.Equal(0, Fetch.Value(Read(stream, "Endless").First(), "the first item"));
        stream.Dispose();

        Eventually.True(() => File.Exists(stopped), s_wait, "the abandoned generator's finally block to run");
        ClusterFixture.WaitUntilIdle();
        Assert.Throws<ObjectDisposedException>(() => stream.First());
    }

    [Fact]
    public void Bad_options_fail_where_the_call_is_prepared()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ray.Task(GeneratorFunctions.Range, 3).SetGeneratorBackpressure(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ray.Task(GeneratorFunctions.Range, 3).SetGeneratorBackpressure(-2));
        cluster.EnsureRunning();
        var error = Assert.Throws<InvalidOperationException>(() => Ray.Task(GeneratorFunctions.Range, 3).SetGeneratorBackpressure(5).Remote());
        Assert.Contains("RemoteStream", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The stream's refs, each waited for at most a minute: a stream that stops producing fails the test instead of hanging it.</summary>
    private static IEnumerable<ObjectRef<T>> Read<T>(ObjectRefStream<T> stream, string what)
    {
        while (true)
        {
            using var timeout = new CancellationTokenSource(s_wait);
            var next = stream.NextAsync(timeout.Token).AsTask();
            if (!next.Wait(s_wait + TimeSpan.FromSeconds(5)))
            {
                Assert.Fail($"Timed out waiting for the next item of {what}.");
            }
            if (next.Result is not { } reference)
            {
                yield break;
            }
            yield return reference;
        }
    }

    private static int Produced(string progressPath) =>
        File.Exists(progressPath) ? int.Parse(File.ReadAllText(progressPath), CultureInfo.InvariantCulture) : 0;
}
