using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace RaySharp.Tests.UnitTests.Analyzers;

/// <summary>
/// What the analyzer tests compile against: the .NET runtime these tests run on and the RaySharp.dll this
/// build made. Microsoft.CodeAnalysis.Testing would otherwise download a reference-assembly package at run
/// time; these tests need no feed.
/// </summary>
internal static class AnalyzerTestReferences
{
    /// <summary>No reference package: the references are <see cref="Assemblies"/>.</summary>
    public static ReferenceAssemblies None { get; } = new("net10.0");

    public static ImmutableArray<MetadataReference> Assemblies { get; } = Load();

    /// <summary>Sets a test up to compile against <see cref="Assemblies"/>.</summary>
    public static void Use(SolutionState state, AnalyzerTest<DefaultVerifier> test)
    {
        test.ReferenceAssemblies = None;
        state.AdditionalReferences.AddRange(Assemblies);
    }

    private static ImmutableArray<MetadataReference> Load()
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var framework = Directory.GetFiles(runtime, "*.dll")
            .Where(IsManagedAssembly)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
        var raySharp = new[] { typeof(Ray).Assembly.Location, typeof(RaySharp.Common.Ids.ObjectId).Assembly.Location }
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
        return [.. framework, .. raySharp];
    }

    // The runtime folder also holds native libraries and a few assemblies without metadata.
    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
