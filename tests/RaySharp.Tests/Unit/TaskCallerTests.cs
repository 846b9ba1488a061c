namespace RaySharp.Tests.UnitTests;

/// <summary>Options are checked at the call, before anything is submitted, so these need no cluster.</summary>
public class TaskCallerTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(0.00001)]
    public void Invalid_resource_amounts_throw_at_SetResource(double amount)
    {
        var caller = Ray.Task(UnitFunctions.Twice, 1);
        var ex = Assert.Throws<ArgumentException>(() => caller.SetResource("CPU", amount));
        Assert.Equal("amount", ex.ParamName);
    }

    [Fact]
    public void GPUs_above_1_are_whole_other_resources_need_not_be()
    {
        var caller = Ray.Task(UnitFunctions.Twice, 1);
        Assert.Equal("amount", Assert.Throws<ArgumentException>(() => caller.SetResource("GPU", 1.5)).ParamName);
        Assert.Same(caller, caller.SetResource("CPU", 1.5).SetResource("GPU", 2));
    }

    [Fact]
    public void Valid_options_chain()
    {
        var caller = Ray.Task(UnitFunctions.Twice, 1);
        Assert.Same(caller, caller.SetResource("CPU", 0).SetResource("GPU", 0.5).SetResource("Custom", 2).SetMaxRetries(0).SetRetryExceptions(true));
    }

    [Fact]
    public void Negative_max_retries_below_minus_one_throw()
    {
        var caller = Ray.Task(UnitFunctions.Twice, 1);
        caller.SetMaxRetries(-1);
        Assert.Throws<ArgumentException>(() => caller.SetMaxRetries(-2));
    }

    [Fact]
    public void SetRetryExceptions_takes_exception_types_and_chains()
    {
        var caller = Ray.Task(UnitFunctions.Twice, 1);
        Assert.Same(caller, caller.SetRetryExceptions(typeof(InvalidOperationException), typeof(IOException)));
    }

    public static TheoryData<Type[]> BadRetryExceptionTypes => new()
    {
        Array.Empty<Type>(),
        new[] { typeof(string) },
        new[] { typeof(InvalidOperationException), null! },
        new[] { typeof(GenericFailure<>) },
    };

    [Theory]
    [MemberData(nameof(BadRetryExceptionTypes))]
    public void SetRetryExceptions_refuses_what_is_not_a_closed_exception_type(Type[] types)
    {
        var caller = Ray.Task(UnitFunctions.Twice, 1);
        var ex = Assert.Throws<ArgumentException>(() => caller.SetRetryExceptions(types));
        Assert.Equal("exceptionTypes", ex.ParamName);
    }

    [Fact]
    public void SetRetryExceptions_refuses_a_null_array()
    {
        Assert.Throws<ArgumentNullException>(() => Ray.Task(UnitFunctions.Twice, 1).SetRetryExceptions((Type[])null!));
    }

    [Fact]
    public void SetGetIfExists_without_a_name_throws_at_Remote()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Ray.Actor(() => new UnitActor()).SetGetIfExists(true).Remote());
        Assert.Contains("SetName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_max_task_retries_below_minus_one_throw()
    {
        var creator = Ray.Actor(() => new UnitActor());
        creator.SetMaxTaskRetries(-1);
        Assert.Throws<ArgumentException>(() => creator.SetMaxTaskRetries(-2));
    }

    private sealed class GenericFailure<T>(string message) : Exception(message);

    private sealed class UnitActor;
}
