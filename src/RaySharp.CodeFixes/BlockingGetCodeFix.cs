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

/// <summary>RAYS002, RAYS003: <c>Ray.Get(args)</c> becomes <c>await Ray.GetAsync(args)</c> (the same arguments: the async twin takes them all).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BlockingGetCodeFix)), Shared]
public sealed class BlockingGetCodeFix : CodeFixProvider
{
    private const string Title = "Use await Ray.GetAsync(...)";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        [Descriptors.BlockingGetInAsync.Id, Descriptors.BlockingGetInAsyncActor.Id];

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
            || NameOf(invocation) is null
            // await is not allowed inside a lock statement.
            || invocation.Ancestors().TakeWhile(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax)).Any(n => n is LockStatementSyntax))
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(Title, c => UseGetAsync(context.Document, invocation, c), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> UseGetAsync(Document document, InvocationExpressionSyntax invocation, CancellationToken cancellation)
    {
        var root = await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false);
        var name = NameOf(invocation)!;
        var renamed = invocation.ReplaceNode(name, name.WithIdentifier(SyntaxFactory.Identifier("GetAsync").WithTriviaFrom(name.Identifier)));
        ExpressionSyntax awaited = SyntaxFactory.AwaitExpression(renamed.WithoutTrivia());
        // (await Ray.GetAsync(r)).Length: await binds looser than member access, indexing and calls.
        if (invocation.Parent is MemberAccessExpressionSyntax or ElementAccessExpressionSyntax or ConditionalAccessExpressionSyntax
            or InvocationExpressionSyntax or PostfixUnaryExpressionSyntax)
        {
            awaited = SyntaxFactory.ParenthesizedExpression(awaited);
        }

        awaited = awaited.WithTriviaFrom(invocation).WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root!.ReplaceNode(invocation, awaited));
    }

    private static SimpleNameSyntax? NameOf(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Get" } member => member.Name,
        SimpleNameSyntax { Identifier.ValueText: "Get" } name => name,
        _ => null,
    };
}
