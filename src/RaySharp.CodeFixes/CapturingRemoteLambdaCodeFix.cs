using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using RaySharp.Generators.Analyzers;

namespace RaySharp.CodeFixes;

/// <summary>
/// RAYS001: turns what a remote lambda captures into parameters of a static lambda and passes the values as
/// arguments of the call, Ray's way (<c>ray.remote(f).remote(x)</c>):
/// <c>Ray.Task(() => x * n)</c> becomes <c>Ray.Task(static (int x, int n) => x * n, x, n)</c>.
/// </summary>
/// <remarks>
/// Offered only where the meaning stays: not for <c>this</c> (the object is not a value to copy), not for a
/// variable the lambda assigns (the copy would be assigned instead), not beyond the 6 arguments the overloads
/// take, and not with named arguments. Every parameter gets its type written out: a captured
/// <c>ObjectRef&lt;T&gt;</c> then stays a ref inside the lambda rather than being resolved to its value.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CapturingRemoteLambdaCodeFix)), Shared]
public sealed class CapturingRemoteLambdaCodeFix : CodeFixProvider
{
    private const int MaxArguments = 6;

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [Descriptors.CapturingRemoteLambda.Id];

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null
            || root.FindNode(context.Span, getInnermostNodeForTie: true) is not (ParenthesizedLambdaExpressionSyntax or SimpleLambdaExpressionSyntax)
            || Plan(model, (LambdaExpressionSyntax)root.FindNode(context.Span, getInnermostNodeForTie: true), context.CancellationToken) is not { } plan)
        {
            return;
        }

        var names = string.Join(", ", plan.Captured.Select(s => s.Name));
        var title = $"Pass {names} as argument{(plan.Captured.Length == 1 ? "" : "s")} of the remote call";
        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(title, c => Task.FromResult(Apply(context.Document, root, plan)), equivalenceKey: nameof(CapturingRemoteLambdaCodeFix)),
                diagnostic);
        }
    }

    private static FixPlan? Plan(SemanticModel model, LambdaExpressionSyntax lambda, CancellationToken cancellation)
    {
        if (lambda.Parent is not ArgumentSyntax { NameColon: null } argument
            || argument.Parent?.Parent is not InvocationExpressionSyntax invocation
            || invocation.ArgumentList.Arguments.Any(a => a.NameColon is not null)
            || invocation.ArgumentList.Arguments[0] != argument
            || model.GetSymbolInfo(lambda, cancellation).Symbol is not IMethodSymbol function)
        {
            return null;
        }

        var captured = Captures.Of(model, lambda);
        var flow = model.AnalyzeDataFlow(lambda);
        if (flow is null || captured.IsEmpty
            || captured.Any(s => Captures.IsThis(s) || s is not (ILocalSymbol or IParameterSymbol) || SyntaxFacts.GetKeywordKind(s.Name) != SyntaxKind.None)
            || captured.Any(s => flow.WrittenInside.Contains(s, SymbolEqualityComparer.Default))
            // Primary constructor parameters live on the object: capturing one is capturing 'this'.
            || captured.Any(s => s is IParameterSymbol { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } p
                && !p.DeclaringSyntaxReferences.Any(r => lambda.Ancestors().Any(a => a.Span.Contains(r.Span) && a is BaseMethodDeclarationSyntax)))
            || invocation.ArgumentList.Arguments.Count - 1 + captured.Length > MaxArguments)
        {
            return null;
        }

        var types = function.Parameters.Select(p => p.Type).Concat(captured.Select(TypeOf)).ToList();
        if (types.Any(t => t is null || t.IsAnonymousType || t.TypeKind == TypeKind.Error))
        {
            return null;
        }

        var parameters = function.Parameters.Select(p => p.Name).Concat(captured.Select(s => s.Name))
            .Zip(types, (name, type) => SyntaxFactory.Parameter(SyntaxFactory.Identifier(name))
                .WithType(SyntaxFactory.ParseTypeName(type!.ToMinimalDisplayString(model, lambda.SpanStart))))
            .ToList();
        return new FixPlan(invocation, lambda, captured, parameters);
    }

    private static Document Apply(Document document, SyntaxNode root, FixPlan plan)
    {
        var parameterList = SyntaxFactory.ParameterList(SyntaxFactory.SeparatedList(plan.Parameters));
        var body = plan.Lambda.Body.WithoutLeadingTrivia();
        var modifiers = plan.Lambda.Modifiers.Any(SyntaxKind.StaticKeyword)
            ? plan.Lambda.Modifiers
            : plan.Lambda.Modifiers.Add(SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        var lambda = SyntaxFactory.ParenthesizedLambdaExpression(parameterList, body)
            .WithModifiers(modifiers)
            .WithArrowToken(plan.Lambda.ArrowToken)
            .WithTriviaFrom(plan.Lambda);

        var arguments = plan.Invocation.ArgumentList.Arguments.Replace(plan.Invocation.ArgumentList.Arguments[0], SyntaxFactory.Argument(lambda));
        arguments = arguments.AddRange(plan.Captured.Select(s => SyntaxFactory.Argument(SyntaxFactory.IdentifierName(s.Name))));
        var invocation = plan.Invocation.WithArgumentList(plan.Invocation.ArgumentList.WithArguments(arguments))
            .WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(plan.Invocation, invocation));
    }

    private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        ILocalSymbol local => local.Type,
        IParameterSymbol parameter => parameter.Type,
        _ => null,
    };

    private sealed record FixPlan(InvocationExpressionSyntax Invocation, LambdaExpressionSyntax Lambda, ImmutableArray<ISymbol> Captured, List<ParameterSyntax> Parameters);
}
