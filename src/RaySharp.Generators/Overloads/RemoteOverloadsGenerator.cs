using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace RaySharp.Generators.Overloads;

/// <summary>
/// Writes the overloads of <c>Ray.Task</c>, <c>Ray.Actor</c> and <c>ActorHandle&lt;A&gt;.Task</c> into RaySharp at
/// build time (one file per family, see <see cref="OverloadFamilies"/>).
/// </summary>
/// <remarks>
/// The trigger is RaySharp's own marker, <c>[RemoteOverloads("Ray.Task")]</c> on the partial class the methods go
/// into, rather than the assembly's name: this assembly ships in the RaySharp package's analyzers folder, so
/// the generator runs in every user's compilation too, and there it must emit nothing. A marker in source does
/// that without a hidden convention, and a reader of <c>Ray</c> sees where its <c>Task</c> methods come from.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class RemoteOverloadsGenerator : IIncrementalGenerator
{
    /// <summary>The marker's metadata name; RaySharp declares it (internal, never emitted to metadata).</summary>
    public const string MarkerAttribute = "RaySharp.RemoteOverloadsAttribute";

    private static readonly DiagnosticDescriptor s_badMarker = new(
        id: "RAYSG001",
        title: "Unknown overload family",
        messageFormat: "[RemoteOverloads(\"{0}\")] names no overload family of class {1}; the families are {2}",
        category: "RaySharp.Generators",
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var requests = context.SyntaxProvider.ForAttributeWithMetadataName(
                MarkerAttribute,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: static (ctx, _) => ctx.Attributes
                    .Select(a => new Request(
                        a.ConstructorArguments.FirstOrDefault().Value as string ?? "",
                        MetadataName((INamedTypeSymbol)ctx.TargetSymbol),
                        Where.Of(a.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? ctx.TargetNode.GetLocation())))
                    .ToImmutableArray())
            .SelectMany(static (requests, _) => requests);

        // A partial class may carry the same marker on several of its declarations: each family is written once.
        context.RegisterSourceOutput(requests.Collect(), static (output, all) =>
        {
            foreach (var request in all.GroupBy(r => r.Family).Select(g => g.First()))
            {
                var family = OverloadFamilies.Find(request.Family);
                if (family is null || family.ClassMetadataName != request.ClassMetadataName)
                {
                    var known = string.Join(", ", OverloadFamilies.All.Where(f => f.ClassMetadataName == request.ClassMetadataName).Select(f => $"\"{f.Id}\""));
                    output.ReportDiagnostic(Diagnostic.Create(s_badMarker, request.Where.ToLocation(), request.Family, request.ClassMetadataName, known.Length == 0 ? "none" : known));
                    continue;
                }

                output.AddSource(family.Id + ".g.cs", SourceText.From(OverloadWriter.Write(family), System.Text.Encoding.UTF8));
            }
        });
    }

    private static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingNamespace.IsGlobalNamespace ? type.MetadataName : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;

    /// <summary>One marker: equatable values only, so the pipeline caches it between edits.</summary>
    private sealed record Request(string Family, string ClassMetadataName, Where Where);

    /// <summary>A location as values (a Location holds its syntax tree, which would defeat the cache).</summary>
    private sealed record Where(string Path, TextSpan Span, LinePositionSpan Lines)
    {
        public static Where Of(Location location) => new(location.SourceTree?.FilePath ?? "", location.SourceSpan, location.GetLineSpan().Span);

        public Location ToLocation() => Location.Create(Path, Span, Lines);
    }
}
