using RaySharp.Common.RuntimeEnvs;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests;

/// <summary>The raylet's second look at a lease request's runtime env: what a request from anyone may not hold.</summary>
public sealed class RuntimeEnvRulesTests
{
    private static Protocol.RuntimeEnv WithVar(double setupTimeoutSeconds = 0)
    {
        var env = new Protocol.RuntimeEnv { SetupTimeoutSeconds = setupTimeoutSeconds };
        env.EnvVars["A"] = "b";
        return env;
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e300)]
    [InlineData(-2)]
    [InlineData(-0.5)]
    public void Setup_timeouts_out_of_range_are_refused(double seconds) => Assert.NotNull(RuntimeEnvRules.Problem(WithVar(seconds)));

    [Theory]
    [InlineData(0, 600)]
    [InlineData(1.5, 1.5)]
    [InlineData(30 * 86400, 30 * 86400)]
    public void Setup_timeouts_in_range_are_kept(double seconds, double effective)
    {
        Assert.Null(RuntimeEnvRules.Problem(WithVar(seconds)));
        Assert.Equal(TimeSpan.FromSeconds(effective), RuntimeEnvRules.SetupTimeout(WithVar(seconds)));
    }

    [Fact]
    public void No_limit_is_minus_one() => Assert.Equal(Timeout.InfiniteTimeSpan, RuntimeEnvRules.SetupTimeout(WithVar(-1)));

    [Theory]
    [InlineData("RAYSHARP_AUTH_TOKEN")]
    [InlineData("raysharp_runtime_env")]
    [InlineData("A=B")]
    [InlineData("")]
    public void Reserved_or_malformed_names_are_refused(string name)
    {
        var env = new Protocol.RuntimeEnv();
        env.EnvVars[name] = "x";
        Assert.NotNull(RuntimeEnvRules.Problem(env));
    }

    [Fact]
    public void Working_dir_paths_that_leave_the_directory_are_refused()
    {
        var env = new Protocol.RuntimeEnv { HasWorkingDir = true };
        env.WorkingDir.Add(new PackageFile { Path = "../escape.txt", Hash = new string('a', 64) });
        Assert.NotNull(RuntimeEnvRules.Problem(env));
    }

    [Fact]
    public void The_key_depends_on_variables_and_files_not_on_order_or_timeout()
    {
        var a = new Protocol.RuntimeEnv { SetupTimeoutSeconds = 5 };
        a.EnvVars["X"] = "1";
        a.EnvVars["Y"] = "2";
        var b = new Protocol.RuntimeEnv();
        b.EnvVars["Y"] = "2";
        b.EnvVars["X"] = "1";
        var c = b.Clone();
        c.EnvVars["X"] = "other";
        Assert.Equal(RuntimeEnvRules.Key(a), RuntimeEnvRules.Key(b));
        Assert.NotEqual(RuntimeEnvRules.Key(b), RuntimeEnvRules.Key(c));
    }
}
