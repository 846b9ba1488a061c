namespace RaySharp.Tests.UnitTests;

public class ResourceValidationTests
{
    [Theory]
    [InlineData("CPU", 0)]
    [InlineData("CPU", 1)]
    [InlineData("CPU", 4)]
    [InlineData("GPU", 0.5)]
    [InlineData("GPU", 0.0001)]
    [InlineData("Custom", 0.3333)]
    [InlineData("Custom", 1000)]
    // Ray's rules: only GPUs are whole above 1; finer fractions than 0.0001 are truncated, not refused.
    [InlineData("CPU", 1.5)]
    [InlineData("Custom", 2.25)]
    [InlineData("GPU", 0.12345)]
    [InlineData("GPU", 3)]
    public void Valid_amounts_pass(string name, double amount) => ResourceValidation.Check(name, amount, "amount");

    [Theory]
    [InlineData("CPU", -1)]
    [InlineData("CPU", -0.5)]
    [InlineData("CPU", double.NaN)]
    [InlineData("CPU", double.PositiveInfinity)]
    [InlineData("GPU", 2.25)]
    [InlineData("GPU", 0.00001)]
    [InlineData("CPU", 0.00009)]
    public void Invalid_amounts_throw_naming_the_resource(string name, double amount)
    {
        var ex = Assert.Throws<ArgumentException>(() => ResourceValidation.Check(name, amount, "amount"));
        Assert.Equal("amount", ex.ParamName);
        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void A_resource_needs_a_name(string name) =>
        Assert.Throws<ArgumentException>(() => ResourceValidation.Check(name, 1, "amount"));
}
