using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests;

public class ResourceSetTests
{
    [Fact]
    public void Amounts_are_kept_in_ten_thousandths()
    {
        Assert.Equal(10_000, ResourceSet.UnitsPerWhole);
        Assert.Equal(1, ResourceSet.ToUnits(0.0001));
        Assert.Equal(5_000, ResourceSet.ToUnits(0.5));
        Assert.Equal(20_000, ResourceSet.ToUnits(2));
        Assert.Equal(0.0001, ResourceSet.FromUnits(1));
        Assert.Equal(2.5, ResourceSet.FromUnits(25_000));
    }

    [Fact]
    public void Adding_a_tenth_ten_times_gives_exactly_one()
    {
        // With doubles, 0.1 added ten times is 0.9999999999999999: fixed point must not drift.
        var set = new ResourceSet();
        var tenth = new ResourceSet([new("CPU", 0.1)]);
        for (var i = 0; i < 10; i++)
        {
            set.Add(tenth);
        }
        Assert.Equal(10_000, set.Get("CPU"));
        Assert.Equal(1.0, set.ToDoubles()["CPU"]);
    }

    [Fact]
    public void Subtracting_fractions_returns_to_zero()
    {
        var set = new ResourceSet([new("GPU", 1)]);
        var part = new ResourceSet([new("GPU", 0.3333)]);
        set.Subtract(part);
        set.Subtract(part);
        set.Subtract(part);
        Assert.Equal(1, set.Get("GPU"));
        set.Add(part);
        set.Add(part);
        set.Add(part);
        Assert.Equal(10_000, set.Get("GPU"));
    }

    [Fact]
    public void Covers_checks_every_demanded_resource()
    {
        var available = new ResourceSet([new("CPU", 2), new("GPU", 1), new("Custom", 0.5)]);
        Assert.True(available.Covers(new ResourceSet([new("CPU", 2)])));
        Assert.True(available.Covers(new ResourceSet([new("CPU", 1), new("GPU", 1), new("Custom", 0.5)])));
        Assert.True(available.Covers(new ResourceSet()));
        Assert.False(available.Covers(new ResourceSet([new("CPU", 3)])));
        Assert.False(available.Covers(new ResourceSet([new("Custom", 0.5001)])));
        Assert.False(available.Covers(new ResourceSet([new("Unknown", 1)])));
    }

    [Fact]
    public void Zero_amounts_are_left_out()
    {
        var set = new ResourceSet([new("CPU", 0), new("GPU", 1)]);
        Assert.Equal(["GPU"], set.Units.Keys);
        Assert.Equal(0, set.Get("CPU"));
    }

    [Fact]
    public void Add_by_name_and_ToString()
    {
        var set = new ResourceSet();
        set.Add("CPU", 15_000);
        set.Add("CPU", 5_000);
        Assert.Equal(20_000, set.Get("CPU"));
        Assert.Equal("{CPU: 2}", set.ToString());
    }
}
