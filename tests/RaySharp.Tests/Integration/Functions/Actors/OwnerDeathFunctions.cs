namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An actor that submits tasks of its own, so it holds worker leases as an owner.</summary>
public sealed class Submitter
{
    public int Batch(int n) => Ray.Get(Enumerable.Range(0, n).Select(_ => Ray.Task(One).Remote()).ToList()).Sum();

    public static int One() => 1;
}

/// <summary>A plain target actor.</summary>
public sealed class Target
{
    public int Ping() => 7;
}

/// <summary>An actor that holds another actor's handle and calls it.</summary>
public sealed class Holder(ActorHandle<Target> target)
{
    public int Call() => Ray.Get(target.Task(static t => t.Ping()).Remote());
}
