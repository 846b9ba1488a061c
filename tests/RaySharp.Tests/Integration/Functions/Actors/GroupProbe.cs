namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An actor that reports the placement group its constructor and its methods see, and where its children run.</summary>
public sealed class GroupProbe
{
    private readonly string _atCreation = PlacementGroupFunctions.CurrentGroup();

    public static GroupProbe Create() => new();

    /// <summary>The group <see cref="Ray.GetCurrentPlacementGroup"/> gave in the constructor ("" for none).</summary>
    public string CreationGroup() => _atCreation;

    /// <summary>The group <see cref="Ray.GetCurrentPlacementGroup"/> gives in a method ("" for none).</summary>
    public string CurrentGroup() => PlacementGroupFunctions.CurrentGroup();

    /// <summary>The runtime context's group id in a method ("" for none).</summary>
    public string ContextGroup() => Ray.GetRuntimeContext().PlacementGroupId ?? "";

    /// <summary>What the runtime context says the actor was given.</summary>
    public Dictionary<string, double> Resources() => new(Ray.GetRuntimeContext().AssignedResources);

    /// <summary>The group a child task submitted with the default strategy runs in ("" for none).</summary>
    public string ChildGroup() => PlacementGroupFunctions.ChildGroup();
}
