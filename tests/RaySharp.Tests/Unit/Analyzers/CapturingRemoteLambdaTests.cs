using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using RaySharp.CodeFixes;
using RaySharp.Generators.Analyzers;

namespace RaySharp.Tests.UnitTests.Analyzers;

public sealed class CapturingRemoteLambdaTests
{
    private const string Actor = """

        public class Counter
        {
            public Counter() { }
            public Counter(int start) => Value = start;
            public int Value { get; private set; }
            public int Add(int by) => Value += by;
        }
        """;

    [Fact]
    public async Task A_lambda_that_captures_a_local_and_a_parameter_is_an_error_naming_both()
    {
        await Verify("""
            using RaySharp;

            public static class Program
            {
                public static ObjectRef<int> Run(int n)
                {
                    var k = 3;
                    return Ray.Task({|#0:() => n * k|}).Remote();
                }
            }
            """, new DiagnosticResult(Descriptors.CapturingRemoteLambda).WithLocation(0).WithArguments("function", "'n', 'k'"));
    }

    [Fact]
    public async Task An_actor_factory_and_an_actor_method_that_capture_are_errors()
    {
        await Verify("""
            using RaySharp;

            public static class Program
            {
                public static ObjectRef<int> Run(int start, int by)
                {
                    var counter = Ray.Actor({|#0:() => new Counter(start)|}).Remote();
                    return counter.Task({|#1:c => c.Add(by)|}).Remote();
                }
            }
            """ + Actor,
            new DiagnosticResult(Descriptors.CapturingRemoteLambda).WithLocation(0).WithArguments("factory", "'start'"),
            new DiagnosticResult(Descriptors.CapturingRemoteLambda).WithLocation(1).WithArguments("method", "'by'"));
    }

    [Fact]
    public async Task A_lambda_that_uses_this_and_an_instance_method_group_are_errors()
    {
        await Verify("""
            using RaySharp;

            public class Driver
            {
                private int _scale = 2;

                public int Scale(int x) => x * _scale;

                public void Run()
                {
                    Ray.Task({|#0:(int x) => x * _scale|}, 1).Remote();
                    Ray.Task({|#1:Scale|}, 1).Remote();
                }
            }
            """,
            new DiagnosticResult(Descriptors.CapturingRemoteLambda).WithLocation(0).WithArguments("function", "'this'"),
            new DiagnosticResult(Descriptors.CapturingRemoteLambda).WithLocation(1).WithArguments("function", "'this' (Scale is an instance method)"));
    }

    [Fact]
    public async Task Static_lambdas_method_groups_capture_free_lambdas_constants_and_static_local_functions_are_fine()
    {
        await Verify("""
            using System.Threading.Tasks;
            using RaySharp;

            public class Driver
            {
                private const int Offset = 1;

                public static int Square(int x) => x * x;

                public void Run(int n)
                {
                    const int local = 5;
                    Ray.Task(static (int x) => x * 2, n).Remote();
                    Ray.Task(Square, n).Remote();
                    Ray.Task((int x) => x + Offset + local, n).Remote();
                    Ray.Task(async (int x) => { await Task.Yield(); return x; }, n).Remote();
                    Ray.Task(Twice, n).Remote();
                    Ray.Task((int x) => System.Array.ConvertAll(new[] { x }, y => y + x), n).Remote();
                    var counter = Ray.Actor(() => new Counter()).Remote();
                    counter.Task((c, by) => c.Add(by), n).Remote();

                    static int Twice(int x) => 2 * x;
                }
            }
            """ + Actor);
    }

    [Fact]
    public async Task The_fix_passes_the_captured_values_as_arguments_of_a_static_lambda()
    {
        await VerifyFix("""
            using RaySharp;

            public static class Program
            {
                public static ObjectRef<int> Run(int n)
                {
                    var k = 3;
                    return Ray.Task({|#0:() => n * k|}).Remote();
                }
            }
            """, """
            using RaySharp;

            public static class Program
            {
                public static ObjectRef<int> Run(int n)
                {
                    var k = 3;
                    return Ray.Task(static (int n, int k) => n * k, n, k).Remote();
                }
            }
            """, new DiagnosticResult(Descriptors.CapturingRemoteLambda).WithLocation(0).WithArguments("function", "'n', 'k'"));
    }

    [Fact]
    public async Task The_fix_adds_the_captured_value_after_the_actor_parameter_and_the_existing_arguments()
    {
        await VerifyFix("""
            using RaySharp;

            public static class Program
            {
                public static ObjectRef<int> Run(ActorHandle<Counter> counter, ObjectRef<int> first, int by)
                {
                    return counter.Task({|#0:(c, x) => c.Add(x + by)|}, first).Remote();
                }
            }
            """ + Actor, """
            using RaySharp;

            public static class Program
            {
                public static ObjectRef<int> Run(ActorHandle<Counter> counter, ObjectRef<int> first, int by)
                {
                    return counter.Task(static (Counter c, int x, int by) => c.Add(x + by), first, by).Remote();
                }
            }
            """ + Actor, new DiagnosticResult(Descriptors.CapturingRemoteLambda).WithLocation(0).WithArguments("method", "'by'"));
    }

    [Fact]
    public async Task No_fix_is_offered_for_a_lambda_that_captures_this()
    {
        const string code = """
            using RaySharp;

            public class Driver
            {
                private int _scale = 2;

                public void Run() => Ray.Task({|#0:(int x) => x * _scale|}, 1).Remote();
            }
            """;
        await VerifyFix(code, code, new DiagnosticResult(Descriptors.CapturingRemoteLambda).WithLocation(0).WithArguments("function", "'this'"));
    }

    private static Task Verify(string code, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<CapturingRemoteLambdaAnalyzer, DefaultVerifier> { TestCode = code };
        AnalyzerTestReferences.Use(test.TestState, test);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    private static Task VerifyFix(string code, string fixedCode, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<CapturingRemoteLambdaAnalyzer, CapturingRemoteLambdaCodeFix, DefaultVerifier>
        {
            TestCode = code,
            FixedCode = fixedCode,
        };
        AnalyzerTestReferences.Use(test.TestState, test);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
