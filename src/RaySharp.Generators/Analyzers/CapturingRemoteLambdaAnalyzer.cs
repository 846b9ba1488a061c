using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace RaySharp.Generators.Analyzers;

/// <summary>
/// RAYS001: the function given to <c>Ray.Task</c>, the factory given to <c>Ray.Actor</c> or the method given to
/// <c>ActorHandle&lt;A&gt;.Task</c> captures locals, parameters or <c>this</c>, or is an instance method. The runtime
/// refuses those (RemoteFunction.Of): the worker process that runs them has only the code, not this process's
/// variables. Static lambdas, lambdas that capture nothing, static methods and local functions that capture
/// nothing are fine; a delegate held in a variable is not judged (its origin is not visible here).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CapturingRemoteLambdaAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Descriptors.CapturingRemoteLambda];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (RaySharpSymbols.From(start.Compilation) is { } symbols)
            {
                start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.Invocation);
            }
        });
    }

    private static void Analyze(OperationAnalysisContext context, RaySharpSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!symbols.IsRemoteCall(invocation.TargetMethod))
        {
            return;
        }

        var role = invocation.TargetMethod.Parameters[0].Name;
        switch (RaySharpSymbols.DelegateArgument(invocation))
        {
            case IAnonymousFunctionOperation lambda when !lambda.Symbol.IsStatic:
                Report(context, role, lambda.Syntax, Captures.Of(invocation.SemanticModel!, lambda.Syntax));
                break;

            case IMethodReferenceOperation { Method: { MethodKind: MethodKind.LocalFunction, IsStatic: false } local } reference:
                if (local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is LocalFunctionStatementSyntax declaration
                    && declaration.SyntaxTree == reference.Syntax.SyntaxTree)
                {
                    Report(context, role, reference.Syntax, Captures.Of(invocation.SemanticModel!, declaration));
                }
                break;

            case IMethodReferenceOperation { Method.IsStatic: false, Instance: not null } reference:
                var bound = reference.Instance is IInstanceReferenceOperation
                    ? "'this' (" + reference.Method.Name + " is an instance method)"
                    : "the instance '" + reference.Instance.Syntax + "' (" + reference.Method.Name + " is an instance method)";
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.CapturingRemoteLambda, reference.Syntax.GetLocation(), role, bound));
                break;
        }
    }

    private static void Report(OperationAnalysisContext context, string role, SyntaxNode where, ImmutableArray<ISymbol> captured)
    {
        if (!captured.IsEmpty)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.CapturingRemoteLambda, where.GetLocation(), role, string.Join(", ", captured.Select(Captures.Display))));
        }
    }
}
