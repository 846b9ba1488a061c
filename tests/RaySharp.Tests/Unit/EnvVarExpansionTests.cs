using RaySharp.Common.RuntimeEnvs;

namespace RaySharp.Tests.UnitTests;

/// <summary>Ray's env_vars references: ${NAME} and $NAME take the current value; an unset ${NAME} becomes empty.</summary>
public class EnvVarExpansionTests
{
    [Fact]
    public void References_take_the_current_value_and_unset_braced_names_become_empty()
    {
        var environment = new Dictionary<string, string?> { ["PATH"] = "/usr/bin", ["HOME"] = "/root" };
        EnvVarExpansion.Apply(new Dictionary<string, string>
        {
            ["PATH"] = "${PATH}:/opt/bin",
            ["LIB"] = "$HOME/lib",
            ["GONE"] = "${NOT_SET}:/a",
            ["BARE"] = "$NOT_SET/b",
            ["PLAIN"] = "no refs",
        }.OrderBy(kv => kv.Key == "PATH" ? 0 : 1), environment);

        Assert.Equal("/usr/bin:/opt/bin", environment["PATH"]);
        Assert.Equal("/root/lib", environment["LIB"]);
        Assert.Equal(":/a", environment["GONE"]);
        Assert.Equal("$NOT_SET/b", environment["BARE"]);
        Assert.Equal("no refs", environment["PLAIN"]);
    }

    [Fact]
    public void A_variable_set_earlier_in_the_map_can_be_referenced()
    {
        var environment = new Dictionary<string, string?>();
        EnvVarExpansion.Apply([new("A", "one"), new("B", "${A}-two")], environment);
        Assert.Equal("one-two", environment["B"]);
    }
}
