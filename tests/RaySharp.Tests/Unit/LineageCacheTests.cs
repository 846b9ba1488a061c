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
}
