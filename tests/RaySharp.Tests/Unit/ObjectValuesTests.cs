using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;
using RaySharp.Serialization;

namespace RaySharp.Tests.UnitTests;

public sealed class ObjectValuesTests
{
    [Fact]
    public void An_error_value_throws_its_exception_on_decode()
    {
        var id = new ObjectId(UniqueId.New(), 1);
        var error = ErrorConversion.FromException(new InvalidOperationException("Oops"), "Funcs.Oops");
        var value = ObjectValues.Error(id, error);

        Assert.True(ObjectValues.TryGetError(value, out var back));
        Assert.Equal("Oops", back.Message);
        var ex = Assert.Throws<RayTaskException>(() => ObjectValues.Decode<int>(value, null!));
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public void Memory_store_entries_complete_once()
    {
        var memory = new MemoryStore();
        var id = new ObjectId(UniqueId.New(), 1);
        var entry = memory.AddPending(id, "Funcs.F");
        Assert.Same(entry, memory.AddPending(id, "Funcs.F"));
        Assert.False(entry.IsReady);

        Assert.True(entry.Complete(ObjectValues.Error(id, ErrorConversion.System(ErrorKind.WorkerCrashed, "Funcs.F", "died"))));
        Assert.False(entry.Complete(new ObjectValue()));
        Assert.True(entry.IsReady);
        Assert.True(entry.IsError);
    }
}
