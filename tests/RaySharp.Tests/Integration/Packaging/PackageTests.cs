using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Packaging;

/// <summary>
/// RaySharp as a .NET user gets it: the packed packages in a fresh console app, the packed raysharp tool
/// running a cluster, and the template package's app. Slow (each restores, builds and runs a new app), so
/// every step has a generous bound; the packages come from a local folder, their dependencies from the
/// machine's usual sources.
/// </summary>
[Collection("Cluster")]
public class PackageTests(LocalPackages packages) : IClassFixture<LocalPackages>
{
    private static readonly TimeSpan s_restoreTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_cliTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_fresh_console_app_with_the_packed_package_runs_a_task_an_actor_and_a_100_MB_object()
    {
        AssertLibraryPackage();

        var app = Path.Combine(packages.WorkDirectory, "PackagedApp");
        DotnetCommand.Dotnet(["new", "console", "-o", app, "-n", "PackagedApp"], packages.WorkDirectory, s_runTimeout);
        DotnetCommand.Dotnet(["add", "package", "RaySharp", "--version", packages.Version], app, s_restoreTimeout);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using RaySharp;

            Ray.Init();
            try
            {
                Console.WriteLine($"task: {Ray.Get(Ray.Task(Square, 21).Remote())}");

                ActorHandle<Counter> counter = Ray.Actor(() => new Counter()).Remote();
                counter.Task(c => c.Add(40)).Remote();
                Console.WriteLine($"actor: {Ray.Get(counter.Task(c => c.Add(2)).Remote())}");

                var big = new byte[100 * 1024 * 1024];
                for (var i = 0; i < big.Length; i++)
                {
                    big[i] = (byte)(i * 7);
                }
                ObjectRef<byte[]> stored = Ray.Put(big);
                byte[] back = Ray.Get(stored);
                Console.WriteLine($"object: {back.Length} bytes, equal {back.AsSpan().SequenceEqual(big)}");
                // The worker reads it from the store too.
                Console.WriteLine($"worker sum: {Ray.Get(Ray.Task(Sum, stored).Remote())}");
                // Where each process loaded RaySharp from: on linux-x64, the package's precompiled copy.
                Console.WriteLine($"driver RaySharp: {typeof(Ray).Assembly.Location}");
                Console.WriteLine($"worker RaySharp: {Ray.Get(Ray.Task(RaySharpLocation).Remote())}");
            }
            finally
            {
                Ray.Shutdown();
            }

            static int Square(int x) => x * x;
            static string RaySharpLocation() => typeof(Ray).Assembly.Location;
            static long Sum(byte[] data)
            {
                long sum = 0;
                foreach (var b in data)
                {
                    sum += b;
                }
                return sum;
            }

            public class Counter
            {
                private int _value;
                public int Add(int by) => _value += by;
            }
            """);
        var output = BuildAndRun(app, "PackagedApp");

        long expectedSum = 0;
        for (var i = 0; i < 100 * 1024 * 1024; i++)
        {
            expectedSum += (byte)(i * 7);
        }
        Assert.Contains("task: 441", output, StringComparison.Ordinal);
        Assert.Contains("actor: 42", output, StringComparison.Ordinal);
        Assert.Contains($"object: {100 * 1024 * 1024} bytes, equal True", output, StringComparison.Ordinal);
        Assert.Contains($"worker sum: {expectedSum.ToString(CultureInfo.InvariantCulture)}", output, StringComparison.Ordinal);
        if (PackedPrecompiled)
        {
            // The precompiled copy is what runs here, in the driver and in its workers (build/ReadyToRun.targets).
            var precompiled = "/bin/Release/net10.0/runtimes/linux-x64/lib/net10.0/RaySharp.dll";
            Assert.Matches($"driver RaySharp: .*{System.Text.RegularExpressions.Regex.Escape(precompiled)}", output);
            Assert.Matches($"worker RaySharp: .*{System.Text.RegularExpressions.Regex.Escape(precompiled)}", output);
        }
    }

    [Fact]
    public void Published_framework_dependent_and_self_contained_apps_run_and_single_file_aot_and_trimmed_are_refused_at_publish()
    {
        var app = Path.Combine(packages.WorkDirectory, "PublishedApp");
        DotnetCommand.Dotnet(["new", "console", "-o", app, "-n", "PublishedApp"], packages.WorkDirectory, s_runTimeout);
        DotnetCommand.Dotnet(["add", "package", "RaySharp", "--version", packages.Version], app, s_restoreTimeout);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Runtime.InteropServices;
            using RaySharp;

            Ray.Init(new RayConfig { IncludeDashboard = false });
            try
            {
                Console.WriteLine($"task: {Ray.Get(Ray.Task(Square, 21).Remote())}");
                ActorHandle<Counter> counter = Ray.Actor(() => new Counter()).Remote();
                Console.WriteLine($"actor: {Ray.Get(counter.Task(c => c.Add(42)).Remote())}");
                Console.WriteLine($"worker runtime: {Ray.Get(Ray.Task(RuntimeDirectory).Remote())}");
            }
            finally
            {
                Ray.Shutdown();
            }

            static int Square(int x) => x * x;
            static string RuntimeDirectory() => Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory());

            public class Counter
            {
                private int _value;
                public int Add(int by) => _value += by;
            }
            """);
        var rid = RuntimeInformation.RuntimeIdentifier;

        // Framework-dependent, the default: run with the dotnet host; workers run on the shared framework.
        var frameworkDependent = Path.Combine(app, "out-framework-dependent");
        DotnetCommand.Dotnet(["publish", "-c", "Release", "-o", frameworkDependent, "-nodeReuse:false"], app, s_restoreTimeout);
        var output = DotnetCommand.Dotnet([Path.Combine(frameworkDependent, "PublishedApp.dll")], app, s_runTimeout);
        Assert.Contains("task: 441", output, StringComparison.Ordinal);
        Assert.Contains("actor: 42", output, StringComparison.Ordinal);
        Assert.DoesNotContain($"worker runtime: {frameworkDependent}", output, StringComparison.Ordinal);

        // Self-contained: the publish says what it needs, and the app's workers run on the app's own runtime.
        var selfContained = Path.Combine(app, "out-self-contained");
        var publish = DotnetCommand.Dotnet(["publish", "-c", "Release", "-r", rid, "--self-contained", "-o", selfContained, "-nodeReuse:false"], app, s_restoreTimeout);
        Assert.Contains("RaySharp: self-contained publishing is supported", publish, StringComparison.Ordinal);
        output = DotnetCommand.Run(Path.Combine(selfContained, "PublishedApp"), [], app, s_runTimeout);
        Assert.Contains("task: 441", output, StringComparison.Ordinal);
        Assert.Contains("actor: 42", output, StringComparison.Ordinal);
        Assert.Contains($"worker runtime: {selfContained}", output, StringComparison.Ordinal);

        // The modes workers cannot run from are refused when publishing, with the reason, before anything is compiled.
        foreach (var (property, code) in new[] { ("PublishSingleFile", "RAYS102"), ("PublishTrimmed", "RAYS103"), ("PublishAot", "RAYS101") })
        {
            var refused = DotnetCommand.DotnetFailing(["publish", "-c", "Release", "-r", rid, $"-p:{property}=true",
                "-o", Path.Combine(app, "out-" + property), "-nodeReuse:false"], app, s_restoreTimeout);
            Assert.Contains($"error {code}: RaySharp does not support", refused, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(app, "out-" + property, "PublishedApp")), $"{property}: the refused publish still wrote the app");
        }
    }

    [Fact]
    public void The_packed_tool_starts_inspects_and_stops_a_two_node_cluster()
    {
        var tools = Path.Combine(packages.WorkDirectory, "tools");
        DotnetCommand.Dotnet(["tool", "install", "--tool-path", tools, "--add-source", packages.Feed, "RaySharp.Cli", "--version", packages.Version],
            packages.WorkDirectory, s_restoreTimeout);
        var raysharp = Path.Combine(tools, "raysharp");
        Assert.True(File.Exists(raysharp), $"dotnet tool install put no raysharp command in {tools}");

        var port = MultiNodeCluster.FreePort();
        var address = $"127.0.0.1:{port}";
        var before = NodeProcesses();
        string Cli(params string[] args) => DotnetCommand.Run(raysharp, args, packages.WorkDirectory, s_cliTimeout);
        try
        {
            var head = Cli("start", "--head", "--port", port.ToString(CultureInfo.InvariantCulture),
                "--dashboard-port", MultiNodeCluster.FreePort().ToString(CultureInfo.InvariantCulture), "--num-cpus", "1", "--object-store-memory", "100000000");
            Assert.Contains($"raysharp start --address {address}", head, StringComparison.Ordinal);
            Cli("start", "--address", address, "--num-cpus", "1", "--object-store-memory", "100000000");
            var ours = NodeProcesses().Except(before).ToList();
            // Two raylets and the head's GCS process.
            Assert.Equal(3, ours.Count);

            // The second node's first resource report may trail its registration: status shows both once it is in.
            var status = "";
            Eventually.True(() =>
            {
                status = Cli("status", "--address", address);
                return status.Contains("Node status: 2 alive, 0 dead", StringComparison.Ordinal) && status.Contains(" 0/2 CPU", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30), "raysharp status to show 2 alive nodes and their 2 idle CPUs");
            Assert.Contains("Node status: 2 alive, 0 dead", status, StringComparison.Ordinal);
            Assert.Contains(" 0/2 CPU", status, StringComparison.Ordinal);

            var stop = Cli("stop", "--address", address);
            Assert.Contains("Stopped 2 RaySharp node(s)", stop, StringComparison.Ordinal);
            Eventually.True(() => ours.All(pid => !Directory.Exists($"/proc/{pid}")), TimeSpan.FromSeconds(30),
                $"the cluster's processes {string.Join(", ", ours)} to exit after raysharp stop");
        }
        finally
        {
            try
            {
                DotnetCommand.Run(raysharp, ["stop", "--address", address], packages.WorkDirectory, s_cliTimeout);
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException or IOException)
            {
                // Already stopped, or the tool never installed: nothing of this cluster runs.
            }
        }
    }

    [Fact]
    public void The_template_package_creates_an_app_with_a_task_and_an_actor_that_runs()
    {
        var hive = Path.Combine(packages.WorkDirectory, "template-hive");
        DotnetCommand.Dotnet(["new", "install", packages.PackagePath("RaySharp.Templates"), "--debug:custom-hive", hive], packages.WorkDirectory, s_runTimeout);
        var app = Path.Combine(packages.WorkDirectory, "TemplateApp");
        // No --RaySharpVersion: the template package defaults to the RaySharp it was packed with.
        DotnetCommand.Dotnet(["new", "raysharp-app", "-o", app, "-n", "TemplateApp", "--debug:custom-hive", hive], packages.WorkDirectory, s_runTimeout);
        Assert.Contains($"Include=\"RaySharp\" Version=\"{packages.Version}\"", File.ReadAllText(Path.Combine(app, "TemplateApp.csproj")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(app, "README.md")), "the template made no README.md");

        var output = BuildAndRun(app, "TemplateApp");
        Assert.Contains("Sum of squares: 30", output, StringComparison.Ordinal);
        Assert.Contains("Counter: 4", output, StringComparison.Ordinal);
    }

    /// <summary>Restores and builds the app, then runs it as a user would; its output.</summary>
    private static string BuildAndRun(string app, string name)
    {
        DotnetCommand.Dotnet(["build", "-c", "Release", "-nodeReuse:false"], app, s_restoreTimeout);
        return DotnetCommand.Dotnet([Path.Combine(app, "bin", "Release", "net10.0", name + ".dll")], app, s_runTimeout);
    }

    // Packing adds the precompiled copy on linux-x64 build machines (glibc), the platform it is compiled for.
    private static bool PackedPrecompiled => OperatingSystem.IsLinux()
        && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64
        && !File.Exists("/etc/alpine-release");

    // A ReadyToRun image clears the PE header's IL-only flag (and names its OS and CPU); plain IL keeps it.
    private static bool IsIlOnly(ZipArchive package, string entry)
    {
        using var stream = new MemoryStream();
        using (var zipped = package.GetEntry(entry)!.Open())
        {
            zipped.CopyTo(stream);
        }
        stream.Position = 0;
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        return (pe.PEHeaders.CorHeader!.Flags & System.Reflection.PortableExecutable.CorFlags.ILOnly) != 0;
    }

    /// <summary>The RaySharp package's metadata: what a package page and an IDE show.</summary>
    private void AssertLibraryPackage()
    {
        using var package = ZipFile.OpenRead(packages.PackagePath("RaySharp"));
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/RaySharp.dll", entries);
        // Precompiled linux-x64 code only as that platform's runtime asset: lib/ stays IL, which every platform runs.
        Assert.True(IsIlOnly(package, "lib/net10.0/RaySharp.dll"), "lib/net10.0/RaySharp.dll is not IL-only");
        if (PackedPrecompiled)
        {
            Assert.Contains("runtimes/linux-x64/lib/net10.0/RaySharp.dll", entries);
            Assert.False(IsIlOnly(package, "runtimes/linux-x64/lib/net10.0/RaySharp.dll"), "the linux-x64 copy is not precompiled");
        }
        Assert.Contains("lib/net10.0/RaySharp.xml", entries);
        Assert.Contains("README.md", entries);
        // The RAYS0xx analyzers and their code fixes reach every program that references the package (the source
        // generator in the same assembly writes nothing there: it runs only on RaySharp's own marker).
        Assert.Contains("analyzers/dotnet/cs/RaySharp.Generators.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/RaySharp.CodeFixes.dll", entries);
        // The publishing modes it refuses (native AOT, single-file, trimmed) are said at publish time by its build targets.
        Assert.Contains("buildTransitive/RaySharp.targets", entries);
        Assert.Contains("build/RaySharp.targets", entries);

        using var nuspecStream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("Apache-2.0", metadata.Element(ns + "license")?.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.All(["RaySharp.Common", "RaySharp.Gcs", "RaySharp.Raylet", "RaySharp.Dashboard"], id => Assert.Equal(packages.Version, dependencies.GetValueOrDefault(id)));
        Assert.Contains("MessagePack", dependencies.Keys);
        Assert.DoesNotContain("RaySharp.Generators", dependencies.Keys);
        Assert.DoesNotContain("RaySharp.CodeFixes", dependencies.Keys);
        Assert.True(File.Exists(Path.Combine(packages.Feed, $"RaySharp.{packages.Version}.snupkg")), "no symbol package beside RaySharp's");
    }

    /// <summary>The pids of this machine's RaySharp node processes (raylets and GCS), from their records.</summary>
    private static HashSet<int> NodeProcesses()
    {
        var records = Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes");
        return Directory.Exists(records)
            ? [.. Directory.EnumerateFiles(records).Select(f => int.Parse(Path.GetFileName(f), CultureInfo.InvariantCulture))]
            : [];
    }
}
