using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using RaySharp.CodeFixes;
using RaySharp.Generators.Analyzers;

namespace RaySharp.Tests.UnitTests.Analyzers;

public sealed class BlockingGetTests
{
    [Fact]
    public async Task Ray_Get_in_an_async_method_or_lambda_is_a_warning()
    {
        await Verify("""
            using System;
            using System.Threading.Tasks;
            using RaySharp;

            public static class Program
            {
                public static async Task<int> Sum(ObjectRef<int> a, ObjectRef<int> b)
                {
                    await Task.Yield();
                    return {|#0:Ray.Get(a)|} + {|#1:Ray.Get(b, TimeSpan.FromSeconds(5))|};
                }

                public static Func<ObjectRef<int>, Task<int>> Later() => async r => { await Task.Yield(); return {|#2:Ray.Get(r)|}; };
            }
            """,
            new DiagnosticResult(Descriptors.BlockingGetInAsync).WithLocation(0).WithArguments("method 'Sum'"),
            new DiagnosticResult(Descriptors.BlockingGetInAsync).WithLocation(1).WithArguments("method 'Sum'"),
            new DiagnosticResult(Descriptors.BlockingGetInAsync).WithLocation(2).WithArguments("lambda"));
    }

    [Fact]
    public async Task Ray_Get_in_sync_code_awaits_and_the_progress_form_are_fine()
    {
        await Verify("""
            using System;
            using System.Threading.Tasks;
            using RaySharp;

            public static class Program
            {
                public static int Sync(ObjectRef<int> r) => Ray.Get(r);

                public static async Task<int> Async(ObjectRef<int> r, ObjectRef<int>[] many)
                {
                    var a = await r;
                    var b = await Ray.GetAsync(r);
                    // A sync lambda inside an async method blocks only where it is run.
                    Func<int> later = () => Ray.Get(r);
                    var c = Ray.Get(many, new Progress<int>()).Length;
                    return a + b + later() + c;
                }
            }
            """);
    }

    [Fact]
    public async Task Ray_Get_in_an_async_method_of_an_actor_class_is_the_actor_rule_only()
    {
        await Verify("""
            using System.Threading.Tasks;
            using RaySharp;

            public class Reader
            {
                public async Task<int> Read(ObjectRef<int> r)
                {
                    await Task.Yield();
                    return {|#0:Ray.Get(r)|};
                }
            }

            public static class Program
            {
                public static ActorHandle<Reader> Start() => Ray.Actor(() => new Reader()).Remote();
            }
            """, new DiagnosticResult(Descriptors.BlockingGetInAsyncActor).WithLocation(0).WithArguments("Reader"));
    }

    [Fact]
    public async Task The_fix_awaits_Ray_GetAsync_with_the_same_arguments()
    {
        await VerifyFix("""
            using System;
            using System.Threading.Tasks;
            using RaySharp;

            public static class Program
            {
                public static async Task<int> Length(ObjectRef<int[]> r)
                {
                    await Task.Yield();
                    var first = {|#0:Ray.Get(r, TimeSpan.FromSeconds(5))|};
                    return first.Length + {|#1:Ray.Get(r)|}.Length;
                }
            }
            """, """
            using System;
            using System.Threading.Tasks;
            using RaySharp;

            public static class Program
            {
                public static async Task<int> Length(ObjectRef<int[]> r)
                {
                    await Task.Yield();
                    var first = await Ray.GetAsync(r, TimeSpan.FromSeconds(5));
                    return first.Length + (await Ray.GetAsync(r)).Length;
                }
            }
            """,
            new DiagnosticResult(Descriptors.BlockingGetInAsync).WithLocation(0).WithArguments("method 'Length'"),
            new DiagnosticResult(Descriptors.BlockingGetInAsync).WithLocation(1).WithArguments("method 'Length'"));
    }

    [Fact]
    public async Task The_fix_applies_to_the_actor_rule_too()
    {
        const string actor = """

            public static class Program
            {
                public static ActorHandle<Reader> Start() => Ray.Actor(() => new Reader()).Remote();
            }
            """;
        await VerifyFix("""
            using System.Threading.Tasks;
            using RaySharp;

            public class Reader
            {
                public async Task<int> Read(ObjectRef<int> r)
                {
                    await Task.Yield();
                    return {|#0:Ray.Get(r)|};
                }
            }
            """ + actor, """
            using System.Threading.Tasks;
            using RaySharp;

            public class Reader
            {
                public async Task<int> Read(ObjectRef<int> r)
                {
                    await Task.Yield();
                    return await Ray.GetAsync(r);
                }
            }
            """ + actor, new DiagnosticResult(Descriptors.BlockingGetInAsyncActor).WithLocation(0).WithArguments("Reader"));
    }

    private static Task Verify(string code, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<BlockingGetAnalyzer, DefaultVerifier> { TestCode = code };
        AnalyzerTestReferences.Use(test.TestState, test);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    private static Task VerifyFix(string code, string fixedCode, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<BlockingGetAnalyzer, BlockingGetCodeFix, DefaultVerifier> { TestCode = code, FixedCode = fixedCode };
        AnalyzerTestReferences.Use(test.TestState, test);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
