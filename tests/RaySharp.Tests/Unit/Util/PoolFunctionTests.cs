using RaySharp.Util;

namespace RaySharp.Tests.UnitTests.Util;

/// <summary>How a pool function is described at the call and turned back into a delegate in the actor's process.</summary>
public sealed class PoolFunctionTests
{
    private readonly int _field = 5;

    private static int Triple(int x) => 3 * x;

    private static T Identity<T>(T value) => value;

    // A lambda inside a generic method is a method of a generic closure class.
    private static Func<T, T[]> Pair<T>() => static x => [x, x];

    private static Func<int, int> Through(Func<int, int> f) => RoundTrip(PoolFunction.Of(f, "function")).Resolve<Func<int, int>>();

    // As the actor gets it: the description only, nothing of the original delegate.
    private static PoolFunction RoundTrip(PoolFunction f) => new(f.DeclaringType, f.MetadataToken, [.. f.GenericArguments], f.DisplayName);

    [Fact]
    public void Static_methods_generic_methods_and_lambdas_resolve_to_the_same_function()
    {
        Assert.Equal(21, Through(Triple)(7));
        Assert.Equal(8, Through(static x => x + 1)(7));
        Assert.Equal(7, Through(Identity)(7));
        Assert.Equal(["a", "a"], RoundTrip(PoolFunction.Of(Pair<string>(), "function")).Resolve<Func<string, string[]>>()("a"));
    }

    [Fact]
    public void Capturing_lambdas_and_instance_methods_are_refused_naming_what_they_hold()
    {
        var offset = 3;
        var captured = Assert.Throws<ArgumentException>(() => PoolFunction.Of((Func<int, int>)(x => x + offset), "function"));
        Assert.Contains("PoolFunctionTests.<lambda> captures 'offset'", captured.Message);
        var bound = Assert.Throws<ArgumentException>(() => PoolFunction.Of((Func<int, int>)(x => x + _field), "function"));
        Assert.Contains("'this'", bound.Message);
        Func<int, int> multicast = Triple;
        multicast += Triple;
        Assert.Throws<ArgumentException>(() => PoolFunction.Of(multicast, "function"));
    }

    [Fact]
    public void ActorOptions_refuse_a_name_for_several_actors()
    {
        var options = new ActorOptions { Name = "one" };
        Assert.Throws<ArgumentException>(() => options.ApplyTo(Ray.Actor(static () => new object()), allowName: false));
    }
}
