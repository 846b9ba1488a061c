using RaySharp.Common.Ids;
using RaySharp.Common.Store;
using RaySharp.Protocol;
using RaySharp.Runtime;
using RaySharp.Serialization;

namespace RaySharp.Tests.UnitTests;

public sealed class ObjectValuesTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("raysharp-test-store-");
    private readonly LocalObjectStore _store;
    private readonly UniqueId _node = UniqueId.New();

    public ObjectValuesTests() => _store = new LocalObjectStore(_directory.FullName);

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Values_up_to_100_KiB_stay_inline()
    {
        var id = new ObjectId(UniqueId.New(), 1);
        var bytes = new byte[ObjectValues.MaxInlineBytes];
        var value = ObjectValues.Encode(id, ValueCodec<byte[]>.Instance, bytes, _store, _node, "test");

        Assert.NotNull(value.Inline);
        Assert.Equal(bytes.Length, value.Size);
        Assert.False(_store.Contains(id));
        Assert.Equal(bytes, ObjectValues.Decode<byte[]>(value, _store));
    }

    [Fact]
    public void Larger_values_go_to_the_object_store()
    {
        var id = new ObjectId(UniqueId.New(), 1);
        var values = Enumerable.Range(0, 20_000).Select(i => (double)i).ToArray();
        var value = ObjectValues.Encode(id, ValueCodec<double[]>.Instance, values, _store, _node, "test");

        Assert.Null(value.Inline);
        Assert.Equal(_node, UniqueId.FromByteString(value.StoreNodeId));
        Assert.Equal(values.Length * sizeof(double), value.Size);
        Assert.True(_store.Contains(id));
        Assert.Equal(values, ObjectValues.Decode<double[]>(value, _store));
        Assert.Equal(values, (double[])ObjectValues.Decode(value, ValueCodec<double[]>.Instance, _store)!);
        // Writers rename a finished temp file: none is left behind.
        Assert.Empty(_directory.GetFiles("*.tmp"));
    }

    [Fact]
    public void A_value_missing_from_the_store_is_lost()
    {
        var id = new ObjectId(UniqueId.New(), 1);
        var value = ObjectValues.Encode(id, ValueCodec<byte[]>.Instance, new byte[ObjectValues.MaxInlineBytes + 1], _store, _node, "test");
        _store.Delete(id);
        _store.Delete(id);
        Assert.Throws<ObjectLostException>(() => ObjectValues.Decode<byte[]>(value, _store));
    }

    [Fact]
    public void An_error_value_throws_its_exception_on_decode()
    {
        var id = new ObjectId(UniqueId.New(), 1);
        var error = ErrorConversion.FromException(new InvalidOperationException("Oops"), "Funcs.Oops");
        var value = ObjectValues.Error(id, error);

        Assert.True(ObjectValues.TryGetError(value, out var back));
        Assert.Equal("Oops", back.Message);
        var ex = Assert.Throws<RayTaskException>(() => ObjectValues.Decode<int>(value, _store));
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public void A_value_that_cannot_be_serialized_is_an_argument_error()
    {
        var id = new ObjectId(UniqueId.New(), 1);
        var ex = Assert.Throws<ArgumentException>(() =>
            ObjectValues.Encode(id, ValueCodec<Func<int>>.Instance, () => 1, _store, _node, "Ray.Put"));
        Assert.StartsWith("Ray.Put", ex.Message, StringComparison.Ordinal);
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
