using System.Collections.Generic;
using System.Linq;

namespace RaySharp.Generators.Overloads;

/// <summary>
/// The overloads of <c>Ray.Task(...)</c>, <c>Ray.Actor(...)</c> and <c>ActorHandle&lt;A&gt;.Task(...)</c>.
/// C# has no variadic generics, so every arity, every value/<c>ObjectRef</c> mix of the arguments
/// and every delegate shape needs its own method; generating them keeps the methods consistent.
/// </summary>
internal static class OverloadFamilies
{
    /// <summary>Highest arity; the method count doubles with each extra argument (2^n ref masks).</summary>
    public const int MaxArity = 6;

    // Always fully qualified: inside class Ray and ActorHandle<A> the simple name Task is the method group we generate.
    private const string TaskType = "System.Threading.Tasks.Task";
    private const string ValueTaskType = "System.Threading.Tasks.ValueTask";

    // The shapes a task's function (Ray.Task) or an actor's method (ActorHandle<A>.Task) can have.
    // An async lambda converts equally well to Func<..., Task<R>> and Func<..., ValueTask<R>> (both are
    // task-like), so `Ray.Task(async () => 5)` would be ambiguous. The Task shapes therefore get a higher
    // overload resolution priority; ValueTask is still chosen for method groups returning ValueTask and
    // for lambdas with an explicit ValueTask return type, where the Task shape is not applicable.
    private static readonly Shape[] s_callShapes =
    [
        new("R", hasResult: true, preferred: false, "The function's result becomes the value of the returned ref."),
        new($"{TaskType}<R>", hasResult: true, preferred: true, "An awaited Task&lt;R&gt; resolves to R."),
        new($"{ValueTaskType}<R>", hasResult: true, preferred: false, "An awaited ValueTask&lt;R&gt; resolves to R."),
        new(null, hasResult: false, preferred: false, "A void function gives a ref to <see cref=\"Unit\"/>."),
        new(TaskType, hasResult: false, preferred: true, "An awaited Task gives a ref to <see cref=\"Unit\"/>."),
        new(ValueTaskType, hasResult: false, preferred: false, "An awaited ValueTask gives a ref to <see cref=\"Unit\"/>."),
    ];

    public static readonly IReadOnlyList<OverloadFamily> All =
    [
        new()
        {
            Id = "Ray.Task",
            ClassMetadataName = "RaySharp.Ray",
            ClassDeclaration = "public static partial class Ray",
            Modifiers = "public static",
            MethodName = "Task",
            CallerType = "TaskCaller",
            ResultTypeParameter = "R",
            ResultTypeDoc = "The function's result type.",
            DelegateParameter = "function",
            DelegateParameterDoc = "The function to run remotely.",
            ValueArgumentDoc = "A value passed to the function.",
            ReturnsDoc = "A caller; call <c>Remote()</c> on it to submit the call.",
            Summary = arity => $"Prepares a remote call of <paramref name=\"function\"/> with {Arguments(arity)}; call <c>Remote()</c> on the result to submit it.",
            Shapes = s_callShapes,
        },
        new()
        {
            Id = "Ray.Actor",
            ClassMetadataName = "RaySharp.Ray",
            ClassDeclaration = "public static partial class Ray",
            Modifiers = "public static",
            MethodName = "Actor",
            CallerType = "ActorCreator",
            ResultTypeParameter = "A",
            ResultTypeDoc = "The actor's class.",
            DelegateParameter = "factory",
            DelegateParameterDoc = "Creates the actor: a constructor call in a lambda, or a static factory method.",
            ValueArgumentDoc = "A value passed to the factory.",
            ReturnsDoc = "A creator whose <c>Remote()</c> returns the actor's handle.",
            Summary = arity => $"Prepares the creation of an actor: <paramref name=\"factory\"/> (a constructor call in a lambda, or a static factory method) runs in the actor's own worker process with {Arguments(arity)}; call <c>Remote()</c> on the result to create it.",
            Shapes = [new("A", hasResult: true, preferred: false, remark: null)],
        },
        // A is the type parameter of ActorHandle<A>, so the methods take it as given and do not declare it.
        new()
        {
            Id = "ActorHandle.Task",
            ClassMetadataName = "RaySharp.ActorHandle`1",
            ClassDeclaration = "public sealed partial class ActorHandle<A>",
            Modifiers = "public",
            MethodName = "Task",
            CallerType = "ActorTaskCaller",
            ResultTypeParameter = "R",
            ResultTypeDoc = "The method's result type.",
            DelegateParameter = "method",
            DelegateParameterDoc = "The method to run on the actor; its first parameter receives the actor instance.",
            ValueArgumentDoc = "A value passed to the method.",
            ReturnsDoc = "A caller; call <c>Remote()</c> on it to submit the call.",
            Summary = arity => $"Prepares a call of <paramref name=\"method\"/> on this actor with {Arguments(arity)} (the actor instance is passed as the lambda's first parameter); call <c>Remote()</c> on the result to submit it. Calls through one handle run in submission order.",
            Shapes = s_callShapes,
            LeadingDelegateTypes = ["A"],
            LeadingConstructorArguments = ["this"],
        },
    ];

    public static OverloadFamily? Find(string id) => All.FirstOrDefault(f => f.Id == id);

    private static string Arguments(int arity) => arity == 1 ? "1 argument" : $"{arity} arguments";
}
