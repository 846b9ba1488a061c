using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>Tasks submitted alike share one template spec; the spec a worker gets carries each task's own fields.</summary>
public sealed class TaskTemplateTests
{
    private static readonly ByteString s_job = UniqueId.New().ToByteString();

    private static int Thrice(int x) => 3 * x;

    private static TaskTemplate Shape(int numReturns = 1, string[]? retryExceptionTypes = null, int maxRetries = 3) =>
        new(s_job, numReturns, false, 0, false, 0, null, null, false, retryExceptionTypes ?? [], DefaultResources.Key, DefaultResources.Demand,
            SchedulingStrategy.Default, maxRetries, false, null);

    [Fact]
    public void Calls_of_one_shape_share_one_template_and_another_shape_gets_its_own()
    {
        // A function of this test's own: the cache is per function, and no other test submits it meanwhile.
        var function = RemoteFunction.Of(Thrice);
        var first = Shape().ShapeFor(function);
        Assert.Same(first, Shape().ShapeFor(function));
        var other = Shape(numReturns: 2).ShapeFor(function);
        Assert.NotSame(first, other);
        Assert.Equal(2, other.Spec.NumReturns);
        Assert.Equal(5, Shape(maxRetries: 5).ShapeFor(function).Template.MaxRetries);
        Assert.Equal(["System.InvalidOperationException"], Shape(retryExceptionTypes: ["System.InvalidOperationException"]).ShapeFor(function).Spec.RetryExceptionTypes);
    }

    [Fact]
    public void The_spec_built_for_a_push_has_the_template_and_the_tasks_own_id_attempt_arguments_and_trace()
    {
        var function = RemoteFunction.Of(UnitFunctions.Twice);
        var shape = Shape().ShapeFor(function);
        var template = shape.Spec;
        var taskId = UniqueId.New();
        var arg = new TaskArg { Value = new Payload { Data = ByteString.CopyFrom(1, 2, 3) } };
        var task = new PendingTask(shape, taskId, [arg])
        {
            Attempt = 2,
            Trace = new PendingTask.TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "k=v"),
        };

        var spec = task.BuildSpec();

        Assert.Equal(taskId, UniqueId.FromByteString(spec.TaskId));
        Assert.Equal(2, spec.Attempt);
        Assert.Equal([arg], spec.Args);
        Assert.Equal(function.DisplayName, spec.FunctionName);
        Assert.Equal(function.DescriptorBytes, spec.Function);
        // No owner or namespace: the lease's stream names them for all its tasks (StreamDefaults).
        Assert.Null(spec.Owner);
        Assert.Equal(s_job, spec.JobId);
        Assert.Equal("", spec.Namespace);
        Assert.Equal("k=v", spec.Tracestate);
        Assert.Equal([new ObjectId(taskId, 1)], task.ReturnIds);
        // The template is shared: building a task's spec leaves it without any task's own fields.
        Assert.True(template.TaskId.IsEmpty);
        Assert.Empty(template.Args);
        Assert.Equal(0, template.Attempt);
    }
}
