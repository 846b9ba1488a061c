using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

public sealed class LineageCacheTests
{
    private static TaskSpec Spec(int argBytes) => new()
    {
        TaskId = UniqueId.New().ToByteString(),
        FunctionName = "F",
        Args = { new TaskArg { Value = new Payload { Data = ByteString.CopyFrom(new byte[argBytes]) } } },
    };

    [Fact]
    public void A_spec_stays_until_every_return_object_is_freed()
    {
        var cache = new LineageCache();
        var spec = Spec(10);
        cache.Add(spec, returns: 2);
        var task = UniqueId.FromByteString(spec.TaskId);
        Assert.Same(spec, cache.Get(new ObjectId(task, 1)));
        cache.OnObjectFreed(new ObjectId(task, 1));
        Assert.Same(spec, cache.Get(new ObjectId(task, 2)));
        cache.OnObjectFreed(new ObjectId(task, 2));
        Assert.Null(cache.Get(new ObjectId(task, 2)));
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void The_oldest_specs_go_first_when_the_bound_is_passed()
    {
        var size = Spec(1000).CalculateSize();
        var cache = new LineageCache(maxBytes: size * 3);
        var specs = Enumerable.Range(0, 5).Select(_ => Spec(1000)).ToList();
        foreach (var spec in specs)
        {
            cache.Add(spec, 1);
        }
        Assert.Equal(3, cache.Count);
        Assert.True(cache.Bytes <= size * 3);
        Assert.Null(cache.Get(new ObjectId(UniqueId.FromByteString(specs[0].TaskId), 1)));
        Assert.Null(cache.Get(new ObjectId(UniqueId.FromByteString(specs[1].TaskId), 1)));
        Assert.NotNull(cache.Get(new ObjectId(UniqueId.FromByteString(specs[4].TaskId), 1)));
    }

    [Fact]
    public void An_arguments_lineage_stays_while_a_task_that_took_it_is_kept()
    {
        var cache = new LineageCache();
        var parent = Spec(10);
        var child = Spec(10);
        var parentObject = new ObjectId(UniqueId.FromByteString(parent.TaskId), 1);
        var childObject = new ObjectId(UniqueId.FromByteString(child.TaskId), 1);
        cache.Add(parent, 1);
        cache.Add(child, 1, task: null, arguments: [parentObject]);
        cache.OnObjectFreed(parentObject);
        Assert.Same(parent, cache.Get(parentObject));
        cache.OnObjectFreed(childObject);
        Assert.Null(cache.Get(childObject));
        Assert.Null(cache.Get(parentObject));
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void Freeing_the_last_object_of_a_long_chain_drops_the_whole_chain_without_deep_recursion()
    {
        // 200,000 tasks, each taking the object of the one before: each parent is kept only for its child. Freeing
        // the last object frees them all, one after another (a recursion per task would overflow the stack here).
        const int Length = 200_000;
        var cache = new LineageCache(maxBytes: long.MaxValue);
        ObjectId? previous = null;
        var objects = new List<ObjectId>(Length);
        for (var i = 0; i < Length; i++)
        {
            var spec = Spec(0);
            var made = new ObjectId(UniqueId.FromByteString(spec.TaskId), 1);
            cache.Add(spec, 1, task: null, arguments: previous is { } p ? [p] : null);
            if (previous is { } freed)
            {
                cache.OnObjectFreed(freed);
            }
            objects.Add(made);
            previous = made;
        }
        Assert.Equal(Length, cache.Count);
        cache.OnObjectFreed(objects[^1]);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
        Assert.Null(cache.Get(objects[0]));
    }

    [Fact]
    public void A_task_whose_returns_are_all_in_memory_drops_its_spec_when_it_finishes_unless_a_kept_task_takes_one()
    {
        var cache = new LineageCache();
        var parent = Spec(10);
        var child = Spec(10);
        var parentTask = UniqueId.FromByteString(parent.TaskId);
        var childTask = UniqueId.FromByteString(child.TaskId);
        cache.Add(parent, 1);
        cache.Add(child, 1, task: null, arguments: [new ObjectId(parentTask, 1)]);

        // The child still takes the parent's object (its argument may not be inlined yet): the parent stays.
        cache.OnFinishedInMemory(parentTask);
        Assert.Same(parent, cache.Get(new ObjectId(parentTask, 1)));
        // The child's value is in memory: its spec goes with its refs still alive, and lets go of the parent's.
        cache.OnFinishedInMemory(childTask);
        Assert.Null(cache.Get(new ObjectId(childTask, 1)));
        cache.OnObjectFreed(new ObjectId(parentTask, 1));
        Assert.Null(cache.Get(new ObjectId(parentTask, 1)));
        // Its refs freed later find nothing to release.
        cache.OnObjectFreed(new ObjectId(childTask, 1));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    private static PendingTask Task(int argBytes)
    {
        var shape = new TaskTemplate(UniqueId.New().ToByteString(), 1, false, 0, false, 0, null, null, false, [], DefaultResources.Key,
            DefaultResources.Demand, SchedulingStrategy.Default, 3, false, null).ShapeFor(RemoteFunction.Of(UnitFunctions.Twice));
        return new PendingTask(shape, UniqueId.New(), [new TaskArg { Value = new Payload { Data = ByteString.CopyFrom(new byte[argBytes]) } }]);
    }

    [Fact]
    public void A_pending_task_stays_findable_after_its_refs_are_freed_and_goes_when_it_finishes()
    {
        var cache = new LineageCache();
        var task = Task(10);
        var parent = UniqueId.New().ToByteString();
        task.ParentTaskId = parent;
        cache.Add(task);
        Assert.True(task.InLineage);
        Assert.Same(task, cache.GetPending(task.TaskId));
        Assert.Equal([task], cache.PendingChildren(parent));
        Assert.Empty(cache.PendingChildren(UniqueId.New().ToByteString()));

        // Its only ref is dropped while it is queued: Ray.Cancel (a recursive one, say) must still reach it.
        cache.OnObjectFreed(new ObjectId(task.TaskId, 1));
        Assert.Same(task, cache.GetPending(task.TaskId));
        Assert.Equal(1, cache.Count);

        cache.OnTaskFinished(task);
        Assert.Null(cache.GetPending(task.TaskId));
        Assert.Empty(cache.PendingChildren(parent));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void A_finished_task_keeps_its_lineage_while_its_object_lives_and_a_rerun_of_it_is_not_taken_for_it()
    {
        var cache = new LineageCache();
        var task = Task(10);
        cache.Add(task);
        // A re-run of the task (another instance, same id) finishing does not end the first one's entry.
        var rerun = new PendingTask(task.Shape, task.TaskId, task.Args);
        cache.OnTaskFinished(rerun);
        Assert.Same(task, cache.GetPending(task.TaskId));

        cache.OnTaskFinished(task);
        Assert.Null(cache.GetPending(task.TaskId));
        Assert.Same(task, cache.GetTask(new ObjectId(task.TaskId, 1)));
        cache.OnObjectFreed(new ObjectId(task.TaskId, 1));
        Assert.Null(cache.GetTask(new ObjectId(task.TaskId, 1)));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_pending_task_evicted_past_the_bound_loses_its_lineage_but_stays_pending_until_it_finishes()
    {
        var cache = new LineageCache(maxBytes: 2500);
        var tasks = Enumerable.Range(0, 3).Select(_ => Task(1000)).ToList();
        foreach (var t in tasks)
        {
            cache.Add(t);
        }
        var oldest = new ObjectId(tasks[0].TaskId, 1);
        Assert.True(cache.WasEvicted(oldest));
        Assert.Null(cache.GetTask(oldest));
        Assert.Null(cache.Get(oldest));
        Assert.Same(tasks[0], cache.GetPending(tasks[0].TaskId));
        Assert.True(cache.Bytes <= 2500);

        // Finished, its entry goes though its object still lives: its lineage was evicted.
        cache.OnTaskFinished(tasks[0]);
        Assert.Null(cache.GetPending(tasks[0].TaskId));
        Assert.Equal(2, cache.Count);
        foreach (var t in tasks.Skip(1))
        {
            cache.OnTaskFinished(t);
            cache.OnObjectFreed(new ObjectId(t.TaskId, 1));
        }
        cache.OnObjectFreed(oldest);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void Tasks_on_the_same_parent_share_one_parents_array_and_each_still_pins_it()
    {
        var cache = new LineageCache();
        var parent = Task(10);
        cache.Add(parent);
        cache.OnTaskFinished(parent);
        var parentObject = new ObjectId(parent.TaskId, 1);
        var children = Enumerable.Range(0, 3).Select(_ => Task(10)).ToList();
        foreach (var child in children)
        {
            cache.Add(child, [parentObject]);
        }
        cache.OnObjectFreed(parentObject);
        // Each child pins the parent's lineage until the last one goes.
        foreach (var child in children)
        {
            Assert.Same(parent, cache.GetTask(parentObject));
            cache.OnTaskFinished(child);
            cache.OnObjectFreed(new ObjectId(child.TaskId, 1));
        }
        Assert.Null(cache.GetTask(parentObject));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }
}
