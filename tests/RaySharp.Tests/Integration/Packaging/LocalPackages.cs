using System.Reflection;

namespace RaySharp.Tests.Integration.Packaging;

/// <summary>
/// RaySharp's packages packed into a folder of their own, as a release would pack them: the library (with
/// its runtime packages), the raysharp tool and the template package, at a version made up for this run
/// (0.1.0-test.&lt;ticks&gt;) so that no package cache can hold an older build under that version. The
/// libraries are packed from the binaries this test run built and tested (no second build); the template
/// package has no binaries and is packed from its folder.
/// </summary>
public sealed class LocalPackages : IDisposable
{
    private static readonly TimeSpan s_packTimeout = TimeSpan.FromMinutes(10);
    private static readonly string[] s_libraries = ["RaySharp.Common", "RaySharp.Gcs", "RaySharp.Raylet", "RaySharp.Dashboard", "RaySharp", "RaySharp.Cli"];

    public LocalPackages()
    {
        Version = $"0.1.0-test.{DateTime.UtcNow.Ticks}";
        WorkDirectory = Directory.CreateTempSubdirectory("raysharp-packaging-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(WorkDirectory, "feed")).FullName;
        RepositoryRoot = FindRepositoryRoot();
        try
        {
            PackLibraries();
            DotnetCommand.Dotnet(["pack", Path.Combine(RepositoryRoot, "templates", "RaySharp.Templates"), "-c", Configuration, "-o", Feed,
                $"-p:PackageVersion={Version}", "-nodeReuse:false"], WorkDirectory, s_packTimeout);
            // Apps made by the tests find the packed packages beside the default sources of this machine.
            File.WriteAllText(Path.Combine(WorkDirectory, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="raysharp-local" value="{Feed}" />
                  </packageSources>
                </configuration>
                """);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The version every package of this run carries.</summary>
    public string Version { get; }

    /// <summary>The folder the packages are in (a local NuGet source).</summary>
    public string Feed { get; }

    /// <summary>A folder for the tests' apps and tools; its nuget.config adds <see cref="Feed"/> as a source.</summary>
    public string WorkDirectory { get; }

    public string RepositoryRoot { get; }

    /// <summary>The configuration this test assembly, and so the packed binaries, were built in.</summary>
    public static string Configuration => typeof(LocalPackages).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>The path of a packed package in <see cref="Feed"/>.</summary>
    public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A process of a failed test may still hold a file; the folder is under the temp directory.
        }
        // Restores extracted this run's packages into the machine's package cache; they are never used again.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } fromEnv
            ? fromEnv
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in s_libraries.Append("RaySharp.Templates"))
        {
            var folder = Path.Combine(cache, id.ToLowerInvariant(), Version.ToLowerInvariant());
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>
    /// One MSBuild run packs the libraries and the tool with NoBuild, so the test host's own binaries are
    /// neither rebuilt nor overwritten while it runs them.
    /// </summary>
    private void PackLibraries()
    {
        var projects = string.Join(Environment.NewLine, s_libraries.Select(p =>
            $"""    <PackProject Include="{Path.Combine(RepositoryRoot, "src", p, p + ".csproj")}" />"""));
        var traversal = Path.Combine(WorkDirectory, "pack.proj");
        File.WriteAllText(traversal, $"""
            <Project>
              <ItemGroup>
            {projects}
              </ItemGroup>
              <Target Name="PackAll">
                <MSBuild Projects="@(PackProject)" Targets="Pack"
                         Properties="Configuration={Configuration};NoBuild=true;PackageVersion={Version};PackageOutputPath={Feed}" />
              </Target>
            </Project>
            """);
        DotnetCommand.Dotnet(["msbuild", traversal, "-t:PackAll", "-nodeReuse:false", "-nologo"], WorkDirectory, s_packTimeout);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RaySharp.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No RaySharp.slnx above {AppContext.BaseDirectory}: the packaging tests pack from the repository.");
    }
}
