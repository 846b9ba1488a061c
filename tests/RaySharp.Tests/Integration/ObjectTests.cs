using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class ObjectTests(ClusterFixture cluster)
{
    private static T RoundTrip<T>(T value) => Fetch.Value(Ray.Put(value), $"a put {typeof(T).Name}");

    [Fact]
    public void Scalars_round_trip()
    {
        cluster.EnsureRunning();
        Assert.Equal(42, RoundTrip(42));
        Assert.Equal(long.MinValue, RoundTrip(long.MinValue));
        Assert.Equal(Math.E, RoundTrip(Math.E));
        Assert.True(RoundTrip(true));
        Assert.False(RoundTrip(false));
        Assert.Equal("héllo wörld", RoundTrip("héllo wörld"));
        Assert.Equal("", RoundTrip(""));
    }

    [Fact]
    public void Null_round_trips()
    {
        cluster.EnsureRunning();
        Assert.Null(RoundTrip<string?>(null));
        Assert.Null(RoundTrip<Person?>(null));
        Assert.Null(RoundTrip<double[]?>(null));
        Assert.True(Fetch.Value(Ray.Task(BasicFunctions.IsNull, Ray.Put<string?>(null)).Remote(), "IsNull(put null)"));
    }

    [Fact]
    public void Collections_and_records_round_trip()
    {
        cluster.EnsureRunning();
        Assert.Equal([1, 2, 3], RoundTrip(new List<int> { 1, 2, 3 }));
        var dictionary = new Dictionary<string, int> { ["one"] = 1, ["two"] = 2 };
        Assert.Equal(dictionary, RoundTrip(dictionary));
        var person = new Person("Ada", 36, ["math"]);
        var back = RoundTrip(person);
        Assert.Equal(("Ada", 36), (back.Name, back.Age));
        Assert.Equal(["math"], back.Tags);
    }

    [Fact]
    public void A_50_MB_double_array_round_trips()
    {
        cluster.EnsureRunning();
        var values = new double[50 * 1024 * 1024 / sizeof(double)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i * 0.5;
        }
        var reference = Ray.Put(values);

        var back = Fetch.Value(reference, "the 50 MB array");
        Assert.Equal(values.Length, back.Length);
        Assert.True(values.AsSpan().SequenceEqual(back), "the 50 MB array came back different");

        // A worker reads the same stored object.
        Assert.Equal(values.Sum(), Fetch.Value(Ray.Task(BasicFunctions.Sum, reference).Remote(), "Sum of the 50 MB array"));
    }

    [Fact]
    public void A_byte_array_round_trips()
    {
        cluster.EnsureRunning();
        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);
        Assert.Equal(bytes, RoundTrip(bytes));
        Assert.Empty(RoundTrip(Array.Empty<byte>()));
        Assert.Equal(bytes.Length, Fetch.Value(Ray.Task(BasicFunctions.Length, bytes).Remote(), "Length(bytes)"));
    }

    [Fact]
    public void A_large_result_comes_back_from_a_worker()
    {
        cluster.EnsureRunning();
        // 8 MB: far above the inline limit, so it travels through the object store.
        var back = Fetch.Value(Ray.Task(BasicFunctions.MakeArray, 1_000_000).Remote(), "MakeArray(1e6)");
        Assert.Equal(1_000_000, back.Length);
        Assert.Equal(999_999.0, back[^1]);
        Assert.Equal(Enumerable.Range(0, 1_000_000).Sum(i => (double)i), back.Sum());
    }

    [Fact]
    public void Put_once_pass_to_many_tasks()
    {
        cluster.EnsureRunning();
        var shared = Ray.Put(BasicFunctions.MakeArray(100_000));
        var refs = Enumerable.Range(0, 10).Select(_ => Ray.Task(BasicFunctions.Sum, shared).Remote()).ToList();
        var expected = Enumerable.Range(0, 100_000).Sum(i => (double)i);
        Assert.All(Fetch.Values(refs, "10 sums of one put array"), s => Assert.Equal(expected, s));
    }

    [Fact]
    public void Put_of_a_ref_is_refused_at_the_call_site_and_a_list_holding_it_is_not()
    {
        cluster.EnsureRunning();
        var inner = Ray.Put(5);
        var ex = Assert.Throws<ArgumentException>(() => Ray.Put(inner));
        Assert.Equal("value", ex.ParamName);
        var outer = Ray.Put(new[] { inner });
        Assert.Equal(5, Ray.Get(Ray.Get(outer, Fetch.DefaultTimeout)[0], Fetch.DefaultTimeout));
    }

    [Fact]
    public async Task A_ref_can_be_awaited()
    {
        cluster.EnsureRunning();
        var value = await Ray.Task(BasicFunctions.Square, 12).Remote().AsTask().WaitAsync(Fetch.DefaultTimeout);
        Assert.Equal(144, value);
        Assert.Equal("x", await Ray.Put("x"));
    }

    [Fact]
    public async Task Awaiting_a_failed_ref_throws_the_task_exception()
    {
        cluster.EnsureRunning();
        var ex = await Assert.ThrowsAsync<RayTaskException>(() => Ray.Task(ErrorFunctions.Oops).Remote().AsTask().WaitAsync(Fetch.DefaultTimeout));
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }
}
