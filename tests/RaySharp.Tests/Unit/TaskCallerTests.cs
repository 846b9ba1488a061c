namespace RaySharp.Tests.UnitTests;

/// <summary>Options are checked at the call, before anything is submitted, so these need no cluster.</summary>
public class TaskCallerTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(1.5)]
    [InlineData(0.00001)]
    public void Invalid_resource_amounts_throw_at_SetResource(double amount)
    {
        var caller = Ray.Task(UnitFunctions.Twice, 1);
        var ex = Assert.Throws<ArgumentException>(() => caller.SetResource("CPU", amount));
        Assert.Equal("amount", ex.ParamName);
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
}
