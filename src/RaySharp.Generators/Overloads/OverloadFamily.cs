using System;
using System.Collections.Generic;

namespace RaySharp.Generators.Overloads;

/// <summary>One generated file: a method name overloaded for every arity, ref mask and delegate shape.</summary>
internal sealed class OverloadFamily
{
    /// <summary>The name the marker attribute gives (<c>[RemoteOverloads("Ray.Task")]</c>); also the file's hint name.</summary>
    public string Id { get; set; } = "";

    /// <summary>The class the methods go into, by metadata name: the marker must sit on that class.</summary>
    public string ClassMetadataName { get; set; } = "";

    /// <summary>The partial class declaration the methods go into.</summary>
    public string ClassDeclaration { get; set; } = "";

    /// <summary>The methods' modifiers, e.g. "public static".</summary>
    public string Modifiers { get; set; } = "";

    public string MethodName { get; set; } = "";

    /// <summary>Generic class the methods return (instantiated with the result type or Unit) and construct.</summary>
    public string CallerType { get; set; } = "";

    /// <summary>Name of the method type parameter for the delegate's result.</summary>
    public string ResultTypeParameter { get; set; } = "";

    public string ResultTypeDoc { get; set; } = "";

    /// <summary>Name of the delegate parameter (the analyzers look for the same names).</summary>
    public string DelegateParameter { get; set; } = "";

    public string DelegateParameterDoc { get; set; } = "";

    /// <summary>Doc for an argument passed by value (ref arguments share one doc).</summary>
    public string ValueArgumentDoc { get; set; } = "";

    public string ReturnsDoc { get; set; } = "";

    /// <summary>Summary for a given arity; the shape's remark is appended.</summary>
    public Func<int, string> Summary { get; set; } = _ => "";

    public IReadOnlyList<Shape> Shapes { get; set; } = Array.Empty<Shape>();

    /// <summary>Delegate parameter types before T1..Tn (the actor instance).</summary>
    public IReadOnlyList<string> LeadingDelegateTypes { get; set; } = Array.Empty<string>();

    /// <summary>Constructor arguments before the delegate (the handle).</summary>
    public IReadOnlyList<string> LeadingConstructorArguments { get; set; } = Array.Empty<string>();
}

/// <summary>One delegate shape the user's function can have.</summary>
/// <param name="delegateResult">Last type argument of the Func, or null for Action.</param>
/// <param name="hasResult">Whether the method has a result type parameter (otherwise it returns a Unit caller).</param>
/// <param name="preferred">Whether the shape wins over the others when several apply (see OverloadFamilies).</param>
/// <param name="remark">Doc sentence saying how the function's result becomes the ref's value, or null for none.</param>
internal sealed class Shape(string? delegateResult, bool hasResult, bool preferred, string? remark)
{
    public string? DelegateResult { get; } = delegateResult;

    public bool HasResult { get; } = hasResult;

    public bool Preferred { get; } = preferred;

    public string? Remark { get; } = remark;
}
