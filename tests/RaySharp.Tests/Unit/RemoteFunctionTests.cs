using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

public static class UnitFunctions
{
    public static int Twice(int x) => 2 * x;

    public static async Task<string> Later(string s)
    {
        await Task.Yield();
        return s;
    }

    public static void Nothing()
    {
    }
}

public class RemoteFunctionTests
{
    [Fact]
    public void Capturing_lambda_is_refused_naming_the_captured_variable()
    {
        var offset = Random.Shared.Next(1, 10);
        Func<int, int> addOffset = x => x + offset;
        var ex = Assert.Throws<ArgumentException>(() => RemoteFunction.Of(addOffset));
        Assert.Contains("'offset'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ray_Task_refuses_a_capturing_lambda_naming_every_captured_variable()
    {
        var offset = Random.Shared.Next(1, 10);
        var scale = Random.Shared.Next(1, 10);
        // The capture is the point: this checks the run-time refusal that RAYS001 reports at compile time.
#pragma warning disable RAYS001
        var ex = Assert.Throws<ArgumentException>(() => Ray.Task((int x) => x * scale + offset, 1));
#pragma warning restore RAYS001
        Assert.Contains("'offset'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'scale'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lambda_capturing_this_is_refused()
    {
        // The lambda reads an instance field: the compiler makes it an instance method of Scaler, with the object as target.
        var ex = Assert.Throws<ArgumentException>(() => RemoteFunction.Of(new Scaler(3).TimesFactor()));
        Assert.Matches("'this'|'_factor'", ex.Message);
    }

    [Fact]
    public void A_method_accepted_without_a_target_is_still_refused_when_bound_to_an_object()
    {
        // Accepted once as an open delegate (no target): a later description of the same method bound to an object must
        // check that target afresh, not reuse the first answer.
        var method = typeof(Scaler).GetMethod(nameof(Scaler.Times))!;
        var open = (Func<Scaler, int, int>)Delegate.CreateDelegate(typeof(Func<Scaler, int, int>), method);
        Assert.Same(RemoteFunction.Of(open), RemoteFunction.Of(open));
        var ex = Assert.Throws<ArgumentException>(() => RemoteFunction.Of(new Func<int, int>(new Scaler(2).Times)));
        Assert.Contains("captures 'this'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RemoteFunction.Of(new Func<int, int>(new Scaler(2).Times)));
    }

    [Fact]
    public void A_capturing_lambda_is_refused_every_time()
    {
        for (var i = 0; i < 3; i++)
        {
            var offset = i;
            Func<int, int> addOffset = x => x + offset;
            Assert.Throws<ArgumentException>(() => RemoteFunction.Of(addOffset));
        }
    }

    private sealed class Scaler(int factor)
    {
        private readonly int _factor = factor;

        public Func<int, int> TimesFactor() => x => x * _factor;

        public int Times(int x) => x * _factor;
    }

    [Fact]
    public void Static_and_non_capturing_functions_are_accepted()
    {
        Assert.Equal("UnitFunctions.Twice", RemoteFunction.Of(UnitFunctions.Twice).DisplayName);
        var lambda = RemoteFunction.Of(static (int x) => x + 1);
        Assert.Equal("RemoteFunctionTests.<lambda>", lambda.DisplayName);
        Assert.Equal("RemoteFunctionTests.Local", RemoteFunction.Of(Local).DisplayName);

        static int Local(int x) => x;
    }

    public class Tally
    {
        private int _total;

        public int Total => _total;

        public int Add(int x) => _total += x;

        public int AddTwice(int x, int y) => Add(x) + Add(y);

        [ConcurrencyGroup("io")]
        public Task<int> AddLaterAsync(int x) => Task.FromResult(Add(x));
    }

    public sealed class DerivedTally : Tally
    {
    }

    public class GroupedBase
    {
        [ConcurrencyGroup("io")]
        public virtual int Read() => 1;

        public virtual int Write() => 2;
    }

    public sealed class GroupedDerived : GroupedBase
    {
        public override int Read() => 10;

        [ConcurrencyGroup("compute")]
        public override int Write() => 20;
    }

    /// <summary>
    /// An actor call through a lambda is named after the actor method it calls (Ray's <c>Class.method</c>), found in
    /// the lambda's IL past other instructions; a lambda that calls no method of the actor keeps the name any function has.
    /// </summary>
    [Fact]
    public void An_actor_calls_lambda_is_named_after_the_method_it_calls()
    {
        Assert.Equal("Tally.Add", RemoteFunction.Of(static (Tally t) => t.Add(1)).ActorCallName);
        Assert.Equal("Tally.AddTwice", RemoteFunction.Of(static (Tally t, int x) => t.AddTwice(x switch { 0 => 10, 1 => 20, 2 => 30, _ => x * 1000L > 5 ? 7 : 8 }, x)).ActorCallName);
        Assert.Equal("Tally.get_Total", RemoteFunction.Of(static (Tally t) => t.Total).ActorCallName);
        // Arguments are computed before the call they feed: the method called is the last.
        Assert.Equal("Tally.Add", RemoteFunction.Of(static (Tally t) => t.Add(t.Total)).ActorCallName);
        // An async lambda's calls are in its state machine.
        var awaiting = RemoteFunction.Of(static async (Tally t) => await t.AddLaterAsync(1) + 1);
        Assert.Equal("Tally.AddLaterAsync", awaiting.ActorCallName);
        Assert.Equal("io", awaiting.ActorCallGroup);
        Assert.Equal("DerivedTally.Add", RemoteFunction.Of(static (DerivedTally t) => t.Add(2)).ActorCallName);
        Assert.Equal("RemoteFunctionTests.<lambda>", RemoteFunction.Of(static (Tally t) => t.ToString()).ActorCallName);
        Assert.Equal("RemoteFunctionTests.<lambda>", RemoteFunction.Of(static (Tally t) => UnitFunctions.Twice(3)).ActorCallName);
        Assert.Equal("UnitFunctions.Twice", RemoteFunction.Of(UnitFunctions.Twice).ActorCallName);
    }

    /// <summary>
    /// A call's default concurrency group is the attribute of the method its lambda calls, as the actor's class overrides
    /// it (the compiler calls a virtual method by its first declaration), inherited from the base when the override has none.
    /// </summary>
    [Fact]
    public void An_actor_calls_group_comes_from_the_method_it_calls_as_overridden()
    {
        Assert.Equal("io", RemoteFunction.Of(static (GroupedBase g) => g.Read()).ActorCallGroup);
        Assert.Equal("", RemoteFunction.Of(static (GroupedBase g) => g.Write()).ActorCallGroup);
        Assert.Equal("io", RemoteFunction.Of(static (GroupedDerived g) => g.Read()).ActorCallGroup);
        Assert.Equal("compute", RemoteFunction.Of(static (GroupedDerived g) => g.Write()).ActorCallGroup);
        Assert.Equal("", RemoteFunction.Of(static (Tally t) => t.Add(1)).ActorCallGroup);
        Assert.Throws<ArgumentException>(() => new ConcurrencyGroupAttribute(""));
    }

    [Fact]
    public void Result_types_are_unwrapped()
    {
        Assert.Equal(typeof(int), RemoteFunction.Of(UnitFunctions.Twice).ResultType);
        Assert.Equal(typeof(string), RemoteFunction.Of(UnitFunctions.Later).ResultType);
        Assert.Equal(typeof(Unit), RemoteFunction.Of(UnitFunctions.Nothing).ResultType);
        Assert.Equal(typeof(Unit), RemoteFunction.ResultTypeOf(typeof(Task)));
        Assert.Equal(typeof(Unit), RemoteFunction.ResultTypeOf(typeof(ValueTask)));
        Assert.Equal(typeof(long), RemoteFunction.ResultTypeOf(typeof(ValueTask<long>)));
    }

    [Fact]
    public void Descriptions_are_cached_per_method()
    {
        Assert.Same(RemoteFunction.Of(UnitFunctions.Twice), RemoteFunction.Of(UnitFunctions.Twice));
    }
}
