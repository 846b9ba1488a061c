using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

public class ErrorConversionTests
{
    private static Exception Thrown(Func<Exception> make)
    {
        try
        {
            throw make();
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [Fact]
    public void Exception_to_error_info_and_back_keeps_type_message_and_inner_chain()
    {
        var original = Thrown(() => new InvalidOperationException("outer", new ArgumentException("inner", "p")));
        var info = ErrorConversion.FromException(original, "Funcs.Bad");

        Assert.Equal(ErrorKind.TaskError, info.Kind);
        Assert.Equal("Funcs.Bad", info.FunctionName);
        Assert.Equal("System.InvalidOperationException", info.TypeName);
        Assert.Equal("outer", info.Message);
        Assert.Equal(Environment.ProcessId, info.Pid);
        Assert.Equal(2, info.Chain.Count);
        Assert.Contains(nameof(Thrown), info.StackTrace, StringComparison.Ordinal);

        var back = Assert.IsType<RayTaskException>(ErrorConversion.ToException(info));
        Assert.Equal("Funcs.Bad", back.FunctionName);
        Assert.Equal(Environment.ProcessId, back.Pid);
        Assert.Contains("Funcs.Bad", back.Message, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: outer", back.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Thrown), back.Message, StringComparison.Ordinal);
        var outer = Assert.IsType<InvalidOperationException>(back.InnerException);
        Assert.Equal("outer", outer.Message);
        var inner = Assert.IsType<ArgumentException>(outer.InnerException);
        Assert.Equal(new ArgumentException("inner", "p").Message, inner.Message);
        Assert.Null(inner.InnerException);
    }

    [Fact]
    public void Recreated_exception_carries_the_remote_stack_trace()
    {
        var info = ErrorConversion.FromException(Thrown(() => new InvalidOperationException("Oops")), "Funcs.Oops");
        var inner = ErrorConversion.ToException(info).InnerException!;
        Assert.Contains(nameof(Thrown), inner.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void Invocation_wrappers_are_unwrapped()
    {
        var wrapped = new System.Reflection.TargetInvocationException(new AggregateException(new FormatException("bad format")));
        var info = ErrorConversion.FromException(wrapped, "Funcs.F");
        Assert.Equal("System.FormatException", info.TypeName);
        Assert.IsType<FormatException>(ErrorConversion.ToException(info).InnerException);
    }

    [Fact]
    public void Unknown_exception_type_becomes_a_remote_exception()
    {
        var info = ErrorConversion.FromException(Thrown(() => new InvalidOperationException("outer", new InvalidOperationException("inner"))), "Funcs.F");
        info.TypeName = "Nowhere.MissingException";
        info.Chain[0].TypeName = "Nowhere.MissingException";
        info.Chain[1].TypeName = "Nowhere.OtherMissingException";

        var back = Assert.IsType<RayTaskException>(ErrorConversion.ToException(info));
        Assert.Contains("Nowhere.MissingException: outer", back.Message, StringComparison.Ordinal);
        var outer = Assert.IsType<RemoteException>(back.InnerException);
        Assert.Equal("Nowhere.MissingException", outer.RemoteTypeName);
        Assert.Equal("outer", outer.Message);
        Assert.Contains(nameof(Thrown), outer.StackTrace, StringComparison.Ordinal);
        var inner = Assert.IsType<RemoteException>(outer.InnerException);
        Assert.Equal("Nowhere.OtherMissingException", inner.RemoteTypeName);
        Assert.Equal("inner", inner.Message);
    }

    [Fact]
    public void A_type_that_is_not_an_exception_becomes_a_remote_exception()
    {
        var info = ErrorConversion.FromException(new InvalidOperationException("x"), "Funcs.F");
        info.Chain[0].TypeName = "System.String";
        var inner = Assert.IsType<RemoteException>(ErrorConversion.ToException(info).InnerException);
        Assert.Equal("System.String", inner.RemoteTypeName);
    }

    [Fact]
    public void A_failure_passed_through_tasks_as_an_argument_has_the_original_exception_as_cause()
    {
        var first = ErrorConversion.FromException(Thrown(() => new InvalidOperationException("Oops")), "Funcs.Bad");
        var second = ErrorConversion.FromFailedArgument(first, "Funcs.Echo");
        var third = ErrorConversion.FromFailedArgument(second, "Funcs.Echo2");

        // As Ray's RayTaskError: no recursive nesting; the cause is one level down at any depth.
        var echo2 = Assert.IsType<RayTaskException>(ErrorConversion.ToException(third));
        Assert.Equal("Funcs.Echo2", echo2.FunctionName);
        Assert.Contains("Funcs.Bad", echo2.Message, StringComparison.Ordinal);
        var oops = Assert.IsType<InvalidOperationException>(echo2.InnerException);
        Assert.Equal("Oops", oops.Message);
        Assert.Contains(nameof(Thrown), oops.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void A_task_that_lets_another_tasks_failure_escape_fails_with_its_cause()
    {
        var upstream = ErrorConversion.ToException(ErrorConversion.FromException(Thrown(() => new FormatException("bad digits")), "Funcs.Parse"));
        var rethrown = ErrorConversion.FromException(upstream, "Funcs.Sum");

        Assert.Equal("Funcs.Sum", rethrown.FunctionName);
        Assert.Equal("System.FormatException", rethrown.TypeName);
        var back = Assert.IsType<RayTaskException>(ErrorConversion.ToException(rethrown));
        Assert.Equal("Funcs.Sum", back.FunctionName);
        Assert.Equal("bad digits", Assert.IsType<FormatException>(back.InnerException).Message);
    }

    [Fact]
    public void A_stand_in_passed_on_keeps_the_name_of_the_type_it_stands_for()
    {
        var info = ErrorConversion.FromException(Thrown(() => new InvalidOperationException("x")), "Funcs.F");
        info.TypeName = info.Chain[0].TypeName = "Nowhere.MissingException";
        var again = ErrorConversion.FromException(ErrorConversion.ToException(info), "Funcs.G");
        Assert.Equal("Nowhere.MissingException", again.TypeName);
        Assert.Equal("Nowhere.MissingException", Assert.IsType<RemoteException>(ErrorConversion.ToException(again).InnerException).RemoteTypeName);
    }

    public sealed class SelfDescribingException : Exception
    {
        public override string Message => "made by the type itself";
    }

    [Fact]
    public void Exceptions_whose_message_names_a_parameter_or_object_are_recreated()
    {
        static Exception RoundTrip(Exception e) => ErrorConversion.ToException(ErrorConversion.FromException(Thrown(() => e), "Funcs.F")).InnerException!;

        var nullArg = Assert.IsType<ArgumentNullException>(RoundTrip(new ArgumentNullException("text")));
        Assert.Equal("text", nullArg.ParamName);
        Assert.Equal(new ArgumentNullException("text").Message, nullArg.Message);
        var range = Assert.IsType<ArgumentOutOfRangeException>(RoundTrip(new ArgumentOutOfRangeException("count", "must be positive")));
        Assert.Equal("count", range.ParamName);
        var arg = Assert.IsType<ArgumentException>(RoundTrip(new ArgumentException("not a path", "path")));
        Assert.Equal("path", arg.ParamName);
        var withInner = Assert.IsType<ArgumentException>(RoundTrip(new ArgumentException("not a path", "path", new FormatException("f"))));
        Assert.Equal("path", withInner.ParamName);
        Assert.IsType<FormatException>(withInner.InnerException);
        var disposed = Assert.IsType<ObjectDisposedException>(RoundTrip(new ObjectDisposedException("Connection")));
        Assert.Equal("Connection", disposed.ObjectName);
        Assert.IsType<SelfDescribingException>(RoundTrip(new SelfDescribingException()));
    }

    [Theory]
    [InlineData(ErrorKind.WorkerCrashed, typeof(WorkerCrashedException))]
    [InlineData(ErrorKind.OwnerDied, typeof(OwnerDiedException))]
    [InlineData(ErrorKind.ObjectLost, typeof(ObjectLostException))]
    public void System_failures_map_to_their_exception(ErrorKind kind, Type expected)
    {
        var ex = ErrorConversion.ToException(ErrorConversion.System(kind, "Funcs.F", "it went away"));
        Assert.IsType(expected, ex);
        Assert.Equal("it went away", ex.Message);
    }
}
