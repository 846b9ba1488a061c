using System.Text;

namespace RaySharp.Tools.OverloadGenerator;

/// <summary>
/// Writes the overloads of <c>Ray.Task(...)</c>, <c>Ray.Actor(...)</c> and <c>ActorHandle&lt;A&gt;.Task(...)</c>.
/// C# has no variadic generics, so every arity, every value/<c>ObjectRef</c> mix of the arguments
/// and every delegate shape needs its own method; generating them keeps the methods consistent.
/// </summary>
internal static class Program
{
    // Highest arity; the method count doubles with each extra argument (2^n ref masks).
    private const int MaxArity = 6;

    // Always fully qualified: inside class Ray and ActorHandle<A> the simple name Task is the method group we generate.
    private const string TaskType = "System.Threading.Tasks.Task";
    private const string ValueTaskType = "System.Threading.Tasks.ValueTask";

    // The shapes a task's function (Ray.Task) or an actor's method (ActorHandle<A>.Task) can have.
    // An async lambda converts equally well to Func<..., Task<R>> and Func<..., ValueTask<R>> (both are
    // task-like), so `Ray.Task(async () => 5)` would be ambiguous. The Task shapes therefore get a higher
    // overload resolution priority; ValueTask is still chosen for method groups returning ValueTask and
    // for lambdas with an explicit ValueTask return type, where the Task shape is not applicable.
    private static readonly Shape[] _callShapes =
    [
        new("R", HasResult: true, Preferred: false, "The function's result becomes the value of the returned ref."),
        new($"{TaskType}<R>", HasResult: true, Preferred: true, "An awaited Task&lt;R&gt; resolves to R."),
        new($"{ValueTaskType}<R>", HasResult: true, Preferred: false, "An awaited ValueTask&lt;R&gt; resolves to R."),
        new(null, HasResult: false, Preferred: false, "A void function gives a ref to <see cref=\"Unit\"/>."),
        new(TaskType, HasResult: false, Preferred: true, "An awaited Task gives a ref to <see cref=\"Unit\"/>."),
        new(ValueTaskType, HasResult: false, Preferred: false, "An awaited ValueTask gives a ref to <see cref=\"Unit\"/>."),
    ];

    // Paths are relative to the repo root given on the command line.
    private static readonly OverloadFamily[] _families =
    [
        new(
            OutputPath: "src/RaySharp/Generated/Ray.Task.g.cs",
            ClassDeclaration: "public static partial class Ray",
            Modifiers: "public static",
            MethodName: "Task",
            CallerType: "TaskCaller",
            ResultTypeParameter: "R",
            ResultTypeDoc: "The function's result type.",
            DelegateParameter: "function",
            DelegateParameterDoc: "The function to run remotely.",
            ValueArgumentDoc: "A value passed to the function.",
            ReturnsDoc: "A caller; call <c>Remote()</c> on it to submit the call.",
            Summary: arity => $"Prepares a remote call of <paramref name=\"function\"/> with {Arguments(arity)}; call <c>Remote()</c> on the result to submit it.",
            Shapes: _callShapes),

        new(
            OutputPath: "src/RaySharp/Generated/Ray.Actor.g.cs",
            ClassDeclaration: "public static partial class Ray",
            Modifiers: "public static",
            MethodName: "Actor",
            CallerType: "ActorCreator",
            ResultTypeParameter: "A",
            ResultTypeDoc: "The actor's class.",
            DelegateParameter: "factory",
            DelegateParameterDoc: "Creates the actor: a constructor call in a lambda, or a static factory method.",
            ValueArgumentDoc: "A value passed to the factory.",
            ReturnsDoc: "A creator whose <c>Remote()</c> returns the actor's handle.",
            Summary: arity => $"Prepares the creation of an actor: <paramref name=\"factory\"/> (a constructor call in a lambda, or a static factory method) runs in the actor's own worker process with {Arguments(arity)}; call <c>Remote()</c> on the result to create it.",
            Shapes: [new("A", HasResult: true, Preferred: false, Remark: null)]),

        // A is the type parameter of ActorHandle<A>, so the methods take it as given and do not declare it.
        new(
            OutputPath: "src/RaySharp/Generated/ActorHandle.Task.g.cs",
            ClassDeclaration: "public sealed partial class ActorHandle<A>",
            Modifiers: "public",
            MethodName: "Task",
            CallerType: "ActorTaskCaller",
            ResultTypeParameter: "R",
            ResultTypeDoc: "The method's result type.",
            DelegateParameter: "method",
            DelegateParameterDoc: "The method to run on the actor; its first parameter receives the actor instance.",
            ValueArgumentDoc: "A value passed to the method.",
            ReturnsDoc: "A caller; call <c>Remote()</c> on it to submit the call.",
            Summary: arity => $"Prepares a call of <paramref name=\"method\"/> on this actor with {Arguments(arity)} (the actor instance is passed as the lambda's first parameter); call <c>Remote()</c> on the result to submit it. Calls through one handle run in submission order.",
            Shapes: _callShapes,
            LeadingDelegateTypes: ["A"],
            LeadingConstructorArguments: ["this"]),
    ];

    private static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: dotnet run --project tools/OverloadGenerator -- <repo root>");
            return 1;
        }

        foreach (var family in _families)
        {
            var outputFile = Path.Combine(args[0], family.OutputPath);
            Directory.CreateDirectory(Path.GetDirectoryName(outputFile)!);

            var writer = new CodeWriter();
            var methodCount = WriteFile(writer, family);

            // UTF-8 without BOM and \n line endings, matching .editorconfig, so re-runs give identical bytes.
            File.WriteAllText(outputFile, writer.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            Console.WriteLine($"Wrote {methodCount} methods to {outputFile}");
        }

        return 0;
    }

    private static int WriteFile(CodeWriter w, OverloadFamily family)
    {
        w.Line("// <auto-generated> by tools/OverloadGenerator — do not edit; re-run the generator. </auto-generated>");
        // Generated files get nullable disabled by default; the API still needs the annotations.
        w.Line("#nullable enable");
        w.Line("namespace RaySharp;");
        w.Line();
        w.Line(family.ClassDeclaration);
        w.Line("{");

        var count = 0;
        for (var arity = 0; arity <= MaxArity; arity++)
        {
            if (arity > 0)
            {
                w.Line();
            }

            w.Line($"    // ---- {Arguments(arity)} ----");
            for (var mask = 0; mask < 1 << arity; mask++)
            {
                foreach (var shape in family.Shapes)
                {
                    w.Line();
                    WriteMethod(w, family, arity, mask, shape);
                    count++;
                }
            }
        }

        w.Line("}");
        return count;
    }

    private static void WriteMethod(CodeWriter w, OverloadFamily family, int arity, int mask, Shape shape)
    {
        var argTypes = Enumerable.Range(1, arity).Select(i => $"T{i}").ToList();
        var typeParameters = shape.HasResult ? [.. argTypes, family.ResultTypeParameter] : argTypes;
        var returnType = $"{family.CallerType}<{(shape.HasResult ? family.ResultTypeParameter : "Unit")}>";

        // Bit (i-1) of the mask says whether argument i is an ObjectRef the runtime must resolve first.
        bool IsRef(int i) => (mask & (1 << (i - 1))) != 0;

        var remark = shape.Remark is null ? "" : " " + shape.Remark;
        w.Line($"    /// <summary>{family.Summary(arity)}{remark}</summary>");
        w.Line($"    /// <param name=\"{family.DelegateParameter}\">{family.DelegateParameterDoc}</param>");
        for (var i = 1; i <= arity; i++)
        {
            var doc = IsRef(i)
                ? "A value, or an <see cref=\"ObjectRef{T}\"/> whose value is passed once it is ready."
                : family.ValueArgumentDoc;
            w.Line($"    /// <param name=\"arg{i}\">{doc}</param>");
        }

        for (var i = 1; i <= arity; i++)
        {
            w.Line($"    /// <typeparam name=\"T{i}\">The type of argument {i}.</typeparam>");
        }

        if (shape.HasResult)
        {
            w.Line($"    /// <typeparam name=\"{family.ResultTypeParameter}\">{family.ResultTypeDoc}</typeparam>");
        }

        w.Line($"    /// <returns>{family.ReturnsDoc}</returns>");

        var delegateArgTypes = new List<string>(family.LeadingDelegateTypes ?? []);
        delegateArgTypes.AddRange(argTypes);
        var parameters = new List<string> { $"{DelegateType(delegateArgTypes, shape)} {family.DelegateParameter}" };
        for (var i = 1; i <= arity; i++)
        {
            parameters.Add(IsRef(i) ? $"ObjectRef<T{i}> arg{i}" : $"T{i} arg{i}");
        }

        var ctorArgs = new List<string>(family.LeadingConstructorArguments ?? []);
        ctorArgs.Add(family.DelegateParameter);
        ctorArgs.Add("0b" + Convert.ToString(mask, 2));
        ctorArgs.AddRange(Enumerable.Range(1, arity).Select(i => $"arg{i}"));

        if (shape.Preferred)
        {
            w.Line("    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]");
        }

        w.Line($"    {family.Modifiers} {returnType} {family.MethodName}{AngleList(typeParameters)}({string.Join(", ", parameters)})");
        w.Line($"        => new({string.Join(", ", ctorArgs)});");
    }

    private static string DelegateType(List<string> argTypes, Shape shape) =>
        shape.DelegateResult is null
            ? "Action" + AngleList(argTypes) // plain Action when there are no arguments
            : "Func" + AngleList([.. argTypes, shape.DelegateResult]);

    private static string AngleList(List<string> names) =>
        names.Count == 0 ? "" : $"<{string.Join(", ", names)}>";

    private static string Arguments(int arity) => arity == 1 ? "1 argument" : $"{arity} arguments";

    /// <summary>One generated file: a method name overloaded for every arity, ref mask and shape.</summary>
    /// <param name="OutputPath">Where to write the file, relative to the repo root.</param>
    /// <param name="ClassDeclaration">The partial class the methods go into.</param>
    /// <param name="Modifiers">The methods' modifiers, e.g. "public static".</param>
    /// <param name="MethodName">The overloaded method's name.</param>
    /// <param name="CallerType">Generic class the methods return (instantiated with the result type or Unit) and construct.</param>
    /// <param name="ResultTypeParameter">Name of the method type parameter for the delegate's result.</param>
    /// <param name="ResultTypeDoc">Doc for <paramref name="ResultTypeParameter"/>.</param>
    /// <param name="DelegateParameter">Name of the delegate parameter.</param>
    /// <param name="DelegateParameterDoc">Doc for the delegate parameter.</param>
    /// <param name="ValueArgumentDoc">Doc for an argument passed by value (ref arguments share one doc).</param>
    /// <param name="ReturnsDoc">Doc for the return value.</param>
    /// <param name="Summary">Summary for a given arity; the shape's remark is appended.</param>
    /// <param name="Shapes">The delegate shapes to generate for every arity and mask.</param>
    /// <param name="LeadingDelegateTypes">Delegate parameter types before T1..Tn (the actor instance).</param>
    /// <param name="LeadingConstructorArguments">Constructor arguments before the delegate (the handle).</param>
    private sealed record OverloadFamily(
        string OutputPath,
        string ClassDeclaration,
        string Modifiers,
        string MethodName,
        string CallerType,
        string ResultTypeParameter,
        string ResultTypeDoc,
        string DelegateParameter,
        string DelegateParameterDoc,
        string ValueArgumentDoc,
        string ReturnsDoc,
        Func<int, string> Summary,
        Shape[] Shapes,
        string[]? LeadingDelegateTypes = null,
        string[]? LeadingConstructorArguments = null);

    /// <summary>One delegate shape the user's function can have.</summary>
    /// <param name="DelegateResult">Last type argument of the Func, or null for Action.</param>
    /// <param name="HasResult">Whether the method has a result type parameter (otherwise it returns a Unit caller).</param>
    /// <param name="Preferred">Whether the shape wins over the others when several apply (see _callShapes).</param>
    /// <param name="Remark">Doc sentence describing how the function's result becomes the ref's value, or null for none.</param>
    private sealed record Shape(string? DelegateResult, bool HasResult, bool Preferred, string? Remark);

    /// <summary>StringBuilder that always ends lines with \n, whatever the OS.</summary>
    private sealed class CodeWriter
    {
        private readonly StringBuilder _text = new();

        public void Line(string line = "") => _text.Append(line).Append('\n');

        public override string ToString() => _text.ToString();
    }
}
