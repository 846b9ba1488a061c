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
    public void Failed_argument_keeps_the_chain()
    {
        var first = ErrorConversion.FromException(Thrown(() => new InvalidOperationException("Oops")), "Funcs.Bad");
        var second = ErrorConversion.FromFailedArgument(first, "Funcs.Echo");
        var third = ErrorConversion.FromFailedArgument(second, "Funcs.Echo2");

        var echo2 = Assert.IsType<RayTaskException>(ErrorConversion.ToException(third));
        Assert.Equal("Funcs.Echo2", echo2.FunctionName);
        var echo = Assert.IsType<RayTaskException>(echo2.InnerException);
        Assert.Equal("Funcs.Echo", echo.FunctionName);
        var bad = Assert.IsType<RayTaskException>(echo.InnerException);
        Assert.Equal("Funcs.Bad", bad.FunctionName);
        var oops = Assert.IsType<InvalidOperationException>(bad.InnerException);
        Assert.Equal("Oops", oops.Message);
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
