using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RaySharp.Generators.Overloads;

namespace RaySharp.Tests.UnitTests.Analyzers;

/// <summary>
/// The generator run on its own: the methods it writes are exactly the Ray.Task, Ray.Actor and ActorHandle.Task lines
/// of src/RaySharp/PublicAPI.*.txt (the build of RaySharp checks the same through the PublicAPI analyzer), each with
/// its XML docs, and it writes nothing into a compilation without RaySharp's marker (a user's program).
/// </summary>
public sealed class RemoteOverloadsGeneratorTests
{
    [Fact]
    public void The_generated_methods_are_the_tracked_public_api_with_docs()
    {
        var (compilation, diagnostics) = Generate(Stubs + """
            namespace RaySharp
            {
                [RemoteOverloads("Ray.Task")]
                [RemoteOverloads("Ray.Actor")]
                public static partial class Ray { }

                [RemoteOverloads("ActorHandle.Task")]
                public sealed partial class ActorHandle<A> { }
            }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var generated = new[] { "RaySharp.Ray", "RaySharp.ActorHandle`1" }
            .Select(name => compilation.GetTypeByMetadataName(name)!)
            .SelectMany(type => type.GetMembers().OfType<IMethodSymbol>())
            .Where(m => m.MethodKind == MethodKind.Ordinary)
            .ToList();
        Assert.Equal(OverloadFamilies.All.Sum(OverloadWriter.MethodCount), generated.Count);
        Assert.All(generated, m => Assert.Contains("<summary>Prepares ", m.GetDocumentationCommentXml(), StringComparison.Ordinal));

        var tracked = File.ReadAllLines(Path.Combine(RepositoryRoot(), "src", "RaySharp", "PublicAPI.Shipped.txt"))
            .Concat(File.ReadAllLines(Path.Combine(RepositoryRoot(), "src", "RaySharp", "PublicAPI.Unshipped.txt")))
            .Where(line => line.StartsWith("static RaySharp.Ray.Task<", StringComparison.Ordinal)
                || line.StartsWith("static RaySharp.Ray.Task(", StringComparison.Ordinal)
                || line.StartsWith("static RaySharp.Ray.Actor<", StringComparison.Ordinal)
                || line.StartsWith("RaySharp.ActorHandle<A>.Task", StringComparison.Ordinal))
            // Hand-written: Ray.Task(f, refs) for a function of an array.
            .Where(line => !line.Contains("ObjectRef<T>![]", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(tracked, generated.Select(PublicApiLine).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Without_the_marker_nothing_is_generated()
    {
        var (compilation, diagnostics) = Generate("""
            namespace RaySharp
            {
                public static partial class Ray { }
            }
            """);

        Assert.Empty(diagnostics);
        Assert.Single(compilation.SyntaxTrees);
    }

    [Fact]
    public void A_marker_naming_no_family_of_its_class_is_an_error()
    {
        var (_, diagnostics) = Generate(Stubs + """
            namespace RaySharp
            {
                [RemoteOverloads("ActorHandle.Task")]
                public static partial class Ray { }
            }
            """);

        var error = Assert.Single(diagnostics);
        Assert.Equal("RAYSG001", error.Id);
        Assert.Contains("\"Ray.Task\", \"Ray.Actor\"", error.GetMessage(), StringComparison.Ordinal);
    }

    // The types the generated methods use, with the kinds (class or struct) RaySharp gives them, since
    // a PublicAPI line marks a non-null reference with '!' and a struct without.
    private static string Stubs => $$"""
        // RaySharp compiles with the SDK's implicit usings, which the generated files rely on (Func, Action).
        global using System;
        #nullable enable
        namespace RaySharp
        {
            [System.AttributeUsage(System.AttributeTargets.Class, AllowMultiple = true)]
            internal sealed class RemoteOverloadsAttribute(string family) : System.Attribute { public string Family { get; } = family; }

            public sealed class ObjectRef<T> { }
            public {{Kind(typeof(Unit))}} Unit { }
            public sealed class TaskCaller<R> { internal TaskCaller(System.Delegate f, int mask, params object?[] args) { } }
            public sealed class ActorCreator<A> { internal ActorCreator(System.Delegate f, int mask, params object?[] args) { } }
            public sealed class ActorTaskCaller<R> { internal ActorTaskCaller(object handle, System.Delegate f, int mask, params object?[] args) { } }
        }

        """;

    private static string Kind(Type type) => type.IsValueType ? "struct" : "class";

    private static (Compilation Compilation, IReadOnlyList<Diagnostic> Diagnostics) Generate(string source)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Parse);
        var input = CSharpCompilation.Create(
            "GeneratorTest",
            [CSharpSyntaxTree.ParseText(source, parse)],
            AnalyzerTestReferences.Assemblies.Where(r => !r.Display!.Contains("RaySharp", StringComparison.Ordinal)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create([new RemoteOverloadsGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        return (output, diagnostics);
    }

    // The form Microsoft.CodeAnalysis.PublicApiAnalyzers writes: "static RaySharp.Ray.Task<T1, R>(System.Func<T1, R>! function, T1 arg1) -> RaySharp.TaskCaller<R>!".
    private static string PublicApiLine(IMethodSymbol method)
    {
        var type = method.ContainingType;
        var owner = type.IsGenericType ? $"RaySharp.{type.Name}<{string.Join(", ", type.TypeParameters.Select(p => p.Name))}>" : $"RaySharp.{type.Name}";
        var typeParameters = method.TypeParameters.IsEmpty ? "" : $"<{string.Join(", ", method.TypeParameters.Select(p => p.Name))}>";
        var parameters = string.Join(", ", method.Parameters.Select(p => $"{TypeName(p.Type)} {p.Name}"));
        return $"{(method.IsStatic ? "static " : "")}{owner}.{method.Name}{typeParameters}({parameters}) -> {TypeName(method.ReturnType)}";
    }

    private static string TypeName(ITypeSymbol type)
    {
        if (type is ITypeParameterSymbol)
        {
            return type.Name;
        }

        var named = (INamedTypeSymbol)type;
        var name = named.ContainingNamespace.ToDisplayString() + "." + named.Name;
        if (named.IsGenericType)
        {
            name += $"<{string.Join(", ", named.TypeArguments.Select(TypeName))}>";
        }

        return named.IsReferenceType && named.NullableAnnotation == NullableAnnotation.NotAnnotated ? name + "!" : name;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RaySharp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("No RaySharp.slnx above " + AppContext.BaseDirectory);
    }
}
