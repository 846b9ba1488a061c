using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RaySharp.Generators.Analyzers;

/// <summary>What a lambda or local function captures from the code around it (shared with the code fix).</summary>
internal static class Captures
{
    /// <summary>
    /// The locals, parameters and <c>this</c> that <paramref name="function"/> (a lambda, anonymous method or local
    /// function) reads or writes from outside itself, in the order of their first use. Its own parameters and locals,
    /// also when a lambda nested inside it captures them, are not counted; constants are never captured.
    /// </summary>
    public static ImmutableArray<ISymbol> Of(SemanticModel model, SyntaxNode function)
    {
        DataFlowAnalysis? flow = function switch
        {
            AnonymousFunctionExpressionSyntax lambda => model.AnalyzeDataFlow(lambda),
            LocalFunctionStatementSyntax local => model.AnalyzeDataFlow(local),
            _ => null,
        };
        if (flow is null || !flow.Succeeded)
        {
            return ImmutableArray<ISymbol>.Empty;
        }

        var outside = flow.CapturedInside.Where(s => !DeclaredWithin(s, function)).ToList();
        if (outside.Count < 2)
        {
            return outside.ToImmutableArray();
        }

        var firstUse = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        foreach (var node in function.DescendantNodes())
        {
            if (node is IdentifierNameSyntax or ThisExpressionSyntax or BaseExpressionSyntax
                && model.GetSymbolInfo(node).Symbol is { } symbol)
            {
                var captured = outside.FirstOrDefault(s => SymbolEqualityComparer.Default.Equals(s, symbol))
                    ?? (symbol is IParameterSymbol { IsThis: true } || node is ThisExpressionSyntax or BaseExpressionSyntax
                        ? outside.FirstOrDefault(IsThis)
                        : null);
                if (captured is not null && !firstUse.ContainsKey(captured))
                {
                    firstUse[captured] = node.SpanStart;
                }
            }
        }

        return outside.OrderBy(s => firstUse.TryGetValue(s, out var at) ? at : int.MaxValue).ToImmutableArray();
    }

    /// <summary>Whether the symbol is the implicit <c>this</c> (or the instance an implicit member access needs).</summary>
    public static bool IsThis(ISymbol symbol) => symbol is IParameterSymbol { IsThis: true };

    /// <summary>How a captured symbol is named in a message: 'x', or 'this'.</summary>
    public static string Display(ISymbol symbol) => IsThis(symbol) ? "'this'" : "'" + symbol.Name + "'";

    private static bool DeclaredWithin(ISymbol symbol, SyntaxNode function) =>
        symbol.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == function.SyntaxTree && function.Span.Contains(r.Span));
}
