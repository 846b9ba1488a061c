using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace RaySharp.Generators.Analyzers;

/// <summary>
/// RAYS002 and RAYS003: a blocking <c>Ray.Get</c> whose nearest enclosing function (method, local function or lambda)
/// is async, so <c>await Ray.GetAsync(...)</c> would do. When that function is a method of an actor class, the call
/// blocks the actor's event loop and gets the actor's own rule, RAYS003, instead of RAYS002 — never both.
/// </summary>
/// <remarks>
/// An actor class is one this compilation uses as an actor: the <c>A</c> of a <c>Ray.Actor(...)</c> or
/// <c>Ray.GetActor&lt;A&gt;</c> call, or of an <c>ActorHandle&lt;A&gt;</c> written in source. RaySharp runs a class with
/// async methods as an async actor (one event loop), so an async method of such a class is on that loop. A class
/// used as an actor only by another project is not recognised and gets RAYS002, which asks for the same fix.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingGetAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [Descriptors.BlockingGetInAsync, Descriptors.BlockingGetInAsyncActor];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (RaySharpSymbols.From(start.Compilation) is not { } symbols)
            {
                return;
            }

            // Found only when a Ray.Get in an async method needs it, then kept for the compilation.
            var compilation = start.Compilation;
            var actorClasses = new Lazy<HashSet<ITypeSymbol>>(() => FindActorClasses(compilation, symbols, start.CancellationToken), LazyThreadSafetyMode.ExecutionAndPublication);
            start.RegisterOperationAction(c => Analyze(c, symbols, actorClasses), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, RaySharpSymbols symbols, Lazy<HashSet<ITypeSymbol>> actorClasses)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!symbols.IsBlockingGet(invocation.TargetMethod))
        {
            return;
        }

        var function = invocation.Syntax.Ancestors().FirstOrDefault(IsFunction);
        if (function is null || !IsAsync(function))
        {
            return;
        }

        if (function is MethodDeclarationSyntax
            && context.ContainingSymbol is IMethodSymbol { ContainingType: { } type }
            && actorClasses.Value.Contains(type.OriginalDefinition))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.BlockingGetInAsyncActor, invocation.Syntax.GetLocation(), type.Name));
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.BlockingGetInAsync, invocation.Syntax.GetLocation(), Describe(function)));
    }

    private static bool IsFunction(SyntaxNode node) =>
        node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax;

    private static bool IsAsync(SyntaxNode function) => function switch
    {
        AnonymousFunctionExpressionSyntax lambda => lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
        LocalFunctionStatementSyntax local => local.Modifiers.Any(SyntaxKind.AsyncKeyword),
        BaseMethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.AsyncKeyword),
        _ => false,
    };

    private static string Describe(SyntaxNode function) => function switch
    {
        MethodDeclarationSyntax method => "method '" + method.Identifier.ValueText + "'",
        LocalFunctionStatementSyntax local => "local function '" + local.Identifier.ValueText + "'",
        _ => "lambda",
    };

    // The uses of a class as an actor are anywhere in the compilation, not in the tree being analysed; the
    // candidate nodes are found by name in the syntax and only those are bound.
#pragma warning disable RS1030 // Binding a few nodes of other trees, once per compilation and only when needed.
    private static HashSet<ITypeSymbol> FindActorClasses(Compilation compilation, RaySharpSymbols symbols, CancellationToken cancellation)
    {
        var found = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var tree in compilation.SyntaxTrees)
        {
            SemanticModel? model = null;
            foreach (var node in tree.GetRoot(cancellation).DescendantNodes())
            {
                ITypeSymbol? actor = null;
                if (node is GenericNameSyntax { Identifier.ValueText: "ActorHandle", TypeArgumentList.Arguments.Count: 1 } handle)
                {
                    model ??= compilation.GetSemanticModel(tree);
                    if (model.GetSymbolInfo(handle, cancellation).Symbol is INamedTypeSymbol type
                        && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, symbols.ActorHandle))
                    {
                        actor = type.TypeArguments[0];
                    }
                }
                else if (node is InvocationExpressionSyntax invocation && InvokedName(invocation) is "Actor" or "GetActor")
                {
                    model ??= compilation.GetSemanticModel(tree);
                    if (model.GetSymbolInfo(invocation, cancellation).Symbol is IMethodSymbol method
                        && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.Ray)
                        && method.ReturnType is INamedTypeSymbol { TypeArguments.Length: 1 } creator)
                    {
                        actor = creator.TypeArguments[0];
                    }
                }

                if (actor is { TypeKind: TypeKind.Class })
                {
                    found.Add(actor.OriginalDefinition);
                }
            }
        }

        return found;
    }
#pragma warning restore RS1030

    private static string? InvokedName(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        _ => null,
    };
}
