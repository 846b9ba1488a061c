namespace RaySharp;

/// <summary>The value of a remote function that returns nothing (<c>void</c> or a plain <c>Task</c>).</summary>
public readonly record struct Unit
{
    /// <summary>The one unit value.</summary>
    public static Unit Value => default;

    /// <inheritdoc/>
    public override string ToString() => "()";
}
