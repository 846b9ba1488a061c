using RaySharp.Util;

namespace RaySharp.Tests.Integration.Util;

/// <summary>Ray's test_queue.py cases for <see cref="RayQueue{T}"/>, with real tasks as producers and consumers.</summary>
[Collection("Cluster")]
public sealed class RayQueueTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_short = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Fact]
    public void Items_come_out_in_the_order_they_went_in()
    {
        cluster.EnsureRunning();
        var queue = new RayQueue<string>();
        try
        {
            Assert.True(queue.Empty());
            for (var i = 0; i < 10; i++)
            {
                queue.Put($"item {i}");
            }

            Assert.Equal(10, queue.Size());
            Assert.False(queue.Full());
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"item {i}"), Enumerable.Range(0, 10).Select(_ => queue.Get()));
            Assert.True(queue.Empty());
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }

    [Fact]
    public void A_full_queue_refuses_puts_and_an_empty_one_refuses_gets()
    {
        cluster.EnsureRunning();
        var queue = new RayQueue<int>(maxSize: 2);
        try
        {
            Assert.Throws<QueueEmptyException>(() => queue.GetNowait());
            Assert.Throws<QueueEmptyException>(() => queue.Get(timeout: s_short));
            queue.PutNowait(1);
            queue.Put(2);

            Assert.True(queue.Full());
            Assert.Throws<QueueFullException>(() => queue.PutNowait(3));
            Assert.Throws<QueueFullException>(() => queue.Put(3, timeout: s_short));
            Assert.Throws<QueueFullException>(() => queue.Put(3, timeout: TimeSpan.Zero));
            Assert.Equal(2, queue.Size());
            Assert.Equal(1, queue.GetNowait());
            Assert.Equal(2, queue.Get(block: false));
            Assert.True(queue.Empty());
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }

    [Fact]
    public void A_blocked_get_is_served_by_a_later_put_and_a_blocked_put_by_a_later_get()
    {
        cluster.EnsureRunning();
        var queue = new RayQueue<int>(maxSize: 1);
        try
        {
            var getting = queue.GetAsync(timeout: s_long);
            Assert.False(getting.IsCompleted);
            queue.Put(11);
            Assert.Equal(11, Eventually.Result(getting, s_long, "the waiting get to receive the put item"));

            queue.Put(12);
            var putting = queue.PutAsync(13, timeout: s_long);
            Assert.Equal(12, queue.Get(timeout: s_long));
            Assert.True(((IAsyncResult)putting).AsyncWaitHandle.WaitOne(s_long), "the waiting put did not get in in time");
            Assert.True(putting.IsCompletedSuccessfully, $"the waiting put ended as {putting.Status}");
            Assert.Equal(13, queue.Get(timeout: s_long));
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }

    [Fact]
    public void Batches_go_in_and_out_whole_or_not_at_all()
    {
        cluster.EnsureRunning();
        var queue = new RayQueue<int>(maxSize: 3);
        try
        {
            Assert.Throws<QueueFullException>(() => queue.PutNowaitBatch([1, 2, 3, 4]));
            Assert.True(queue.Empty());
            queue.PutNowaitBatch([1, 2, 3]);
            Assert.Throws<QueueEmptyException>(() => queue.GetNowaitBatch(4));
            Assert.Equal(3, queue.Size());
            Assert.Equal([1, 2], queue.GetNowaitBatch(2));
            Assert.Equal([3], queue.GetNowaitBatch(1));
            Assert.Empty(queue.GetNowaitBatch(0));
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }

    [Fact]
    public void Tuples_and_records_travel_through_the_queue()
    {
        cluster.EnsureRunning();
        var queue = new RayQueue<(int Id, string Name)>();
        try
        {
            queue.PutNowaitBatch([(1, "one"), (2, "two")]);
            queue.Put((3, "three"));

            Assert.Equal([(1, "one"), (2, "two")], queue.GetNowaitBatch(2));
            Assert.Equal((3, "three"), queue.Get(timeout: s_long));
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }

    [Fact]
    public void One_producer_and_three_consumer_tasks_deliver_every_item_exactly_once()
    {
        cluster.EnsureRunning();
        ClusterFixture.WaitUntilIdle();
        const int count = 300;
        // Bounded, so the producer waits for the consumers as well as the other way round.
        var queue = new RayQueue<int>(maxSize: 10);
        try
        {
            // Half a CPU each: all four fit on the cluster's 2 CPUs at once, so nobody waits for a CPU held by a waiter.
            var consumers = new[]
            {
                Ray.Task(QueueFunctions.Consume, queue).SetResource("CPU", 0.5).Remote(),
                Ray.Task(QueueFunctions.Consume, queue).SetResource("CPU", 0.5).Remote(),
                Ray.Task(QueueFunctions.ConsumeAsync, queue).SetResource("CPU", 0.5).Remote(),
            };
            var producer = Ray.Task(QueueFunctions.Produce, queue, count, consumers.Length).SetResource("CPU", 0.5).Remote();

            Assert.Equal(count, Fetch.Value(producer, "the producer task", TimeSpan.FromSeconds(180)));
            var taken = Fetch.Values(consumers, "the three consumer tasks", TimeSpan.FromSeconds(180));
            Assert.Equal(Enumerable.Range(0, count), taken.SelectMany(t => t).Order());
            // Each consumer saw its items in the order they were put.
            Assert.All(taken, t => Assert.Equal(t.Order(), t));
            Assert.True(queue.Empty());
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }

    [Fact]
    public void A_cancelled_get_takes_no_item()
    {
        cluster.EnsureRunning();
        var queue = new RayQueue<int>();
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            Assert.ThrowsAny<OperationCanceledException>(() => queue.Get(cancellationToken: cancel.Token));
            var cancelledAsync = queue.GetAsync(cancellationToken: new CancellationToken(true));
            Assert.True(((IAsyncResult)cancelledAsync).AsyncWaitHandle.WaitOne(s_long), "the cancelled async get did not end in time");
            Assert.True(cancelledAsync.IsCanceled, $"the async get ended as {cancelledAsync.Status}, not cancelled");

            // Had a cancelled getter stayed in line at the actor, it would take this item.
            queue.Put(99);
            Assert.Equal(99, queue.Get(timeout: s_long));
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }

    [Fact]
    public void The_queue_actor_takes_actor_options_and_Shutdown_releases_them()
    {
        cluster.EnsureRunning();
        var queue = new RayQueue<int>(actorOptions: new ActorOptions { Resources = { ["Custom"] = 1 } });
        // Bounded: the actor starts only once the Custom unit is free.
        Eventually.Result(queue.PutAsync(1).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default), s_long, "the queue actor holding Custom to start");
        Assert.Equal(0, Ray.AvailableResources().GetValueOrDefault("Custom"));

        queue.Shutdown();

        Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("Custom") == 1, s_long, "the queue actor's Custom resource to be released");
        Assert.Throws<RayActorException>(() => queue.Get(timeout: s_long));
    }

    [Fact]
    public void A_negative_max_size_means_no_bound_as_in_Ray()
    {
        cluster.EnsureRunning();
        var queue = new RayQueue<int>(maxSize: -1);
        try
        {
            Assert.Equal(0, queue.MaxSize);
            for (var i = 0; i < 50; i++)
            {
                queue.PutNowait(i);
            }
            Assert.False(queue.Full());
            Assert.Equal(50, queue.Size());
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }

    [Fact]
    public void Bad_input_is_refused_at_the_call()
    {
        cluster.EnsureRunning();
        Assert.Throws<ArgumentException>(() => new RayQueue<int>(actorOptions: new ActorOptions { Resources = { ["CPU"] = -1 } }));
        var queue = new RayQueue<int>();
        try
        {
            Assert.Throws<ArgumentException>(() => queue.Put(1, timeout: TimeSpan.FromSeconds(-1)));
            Assert.Throws<ArgumentException>(() => queue.Get(timeout: TimeSpan.FromSeconds(-2)));
            Assert.Throws<ArgumentException>(() => queue.GetNowaitBatch(-1));
            Assert.Throws<ArgumentException>(() => queue.Shutdown(gracePeriod: TimeSpan.FromSeconds(-1)));
        }
        finally
        {
            queue.Shutdown(force: true);
        }
    }
}
