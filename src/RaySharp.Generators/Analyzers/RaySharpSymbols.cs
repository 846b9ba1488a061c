using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace RaySharp.Generators.Analyzers;

/// <summary>The RaySharp types the analyzers look for, resolved once per compilation; null when RaySharp is not referenced.</summary>
internal sealed class RaySharpSymbols
{
    private RaySharpSymbols(INamedTypeSymbol ray, INamedTypeSymbol actorHandle, INamedTypeSymbol? progress)
    {
        Ray = ray;
        ActorHandle = actorHandle;
        Progress = progress;
    }

    public INamedTypeSymbol Ray { get; }

    /// <summary>The generic <c>ActorHandle&lt;A&gt;</c>.</summary>
    public INamedTypeSymbol ActorHandle { get; }

    private INamedTypeSymbol? Progress { get; }

    public static RaySharpSymbols? From(Compilation compilation) =>
        compilation.GetTypeByMetadataName("RaySharp.Ray") is { } ray && compilation.GetTypeByMetadataName("RaySharp.ActorHandle`1") is { } handle
            ? new RaySharpSymbols(ray, handle, compilation.GetTypeByMetadataName("System.IProgress`1"))
            : null;

    /// <summary>
    /// Whether the call is <c>Ray.Task</c>, <c>Ray.Actor</c> or <c>ActorHandle&lt;A&gt;.Task</c>, the calls whose first
    /// parameter (function, factory, method) is run in another process.
    /// </summary>
    public bool IsRemoteCall(IMethodSymbol method) =>
        method.Parameters.Length > 0
        && method.Parameters[0].Type.TypeKind == TypeKind.Delegate
        && ((SymbolEqualityComparer.Default.Equals(method.ContainingType, Ray) && method.Name is "Task" or "Actor")
            || (SymbolEqualityComparer.Default.Equals(method.ContainingType.OriginalDefinition, ActorHandle) && method.Name == "Task"));

    /// <summary>
    /// Whether the call is a blocking <c>Ray.Get</c> with an async twin taking the same arguments (<c>Ray.GetAsync</c>).
    /// The progress form has none, so it is left alone.
    /// </summary>
    public bool IsBlockingGet(IMethodSymbol method)
    {
        if (method.Name != "Get" || !SymbolEqualityComparer.Default.Equals(method.ContainingType, Ray))
        {
            return false;
        }

        foreach (var parameter in method.Parameters)
        {
            if (Progress is not null && SymbolEqualityComparer.Default.Equals(parameter.Type.OriginalDefinition, Progress))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The argument given for the delegate parameter of a remote call, with conversions looked through.</summary>
    public static IOperation? DelegateArgument(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == 0)
            {
                var value = argument.Value;
                while (value is IConversionOperation conversion)
                {
                    value = conversion.Operand;
                }

                return value is IDelegateCreationOperation creation ? creation.Target : value;
            }
        }

        return null;
    }
}
