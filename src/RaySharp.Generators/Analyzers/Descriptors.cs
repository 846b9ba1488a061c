using Microsoft.CodeAnalysis;

namespace RaySharp.Generators.Analyzers;

/// <summary>The RAYS0xx rules: what RaySharp refuses or regrets at run time, said in the editor. docs/analyzers.md lists them.</summary>
public static class Descriptors
{
    // The repository has no published address yet: the links name the page in the repository (docs/analyzers.md).
    // Give this a scheme and host when the docs are published, and every rule's link follows.
    private const string HelpLinkBase = "docs/analyzers.md";

    private const string Category = "RaySharp";

    /// <summary>RAYS001: a remote function, actor factory or actor method that captures variables or <c>this</c>.</summary>
    public static readonly DiagnosticDescriptor CapturingRemoteLambda = new(
        id: "RAYS001",
        title: "A remote function must not capture variables or 'this'",
        messageFormat: "The remote {0} captures {1}, which does not exist in the worker process that runs it: pass it as an argument of the call instead, or use a static method",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "RaySharp sends a remote function to another process by name. A lambda that captures locals, parameters or 'this' " +
            "(or an instance method) needs state that only this process has, and Ray.Task, Ray.Actor and ActorHandle.Task refuse it at run time " +
            "with an ArgumentException. Pass the values as arguments: Ray.Task(static (int x) => x * 2, x).",
        helpLinkUri: HelpLinkBase + "#rays001");

    /// <summary>RAYS002: a blocking <c>Ray.Get</c> in async code.</summary>
    public static readonly DiagnosticDescriptor BlockingGetInAsync = new(
        id: "RAYS002",
        title: "Await the ref instead of blocking in async code",
        messageFormat: "Ray.Get blocks a thread inside the async {0}: await Ray.GetAsync(...) instead",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Ray.Get blocks the calling thread until the value is ready, which in an async method holds a thread-pool thread " +
            "(or a UI thread) for the whole wait. await Ray.GetAsync(...) (or await the ref) waits without a thread.",
        helpLinkUri: HelpLinkBase + "#rays002");

    /// <summary>RAYS003: a blocking <c>Ray.Get</c> in an async method of an actor class (its event loop).</summary>
    public static readonly DiagnosticDescriptor BlockingGetInAsyncActor = new(
        id: "RAYS003",
        title: "A blocking Ray.Get stalls an async actor",
        messageFormat: "Ray.Get blocks the event loop of the async actor {0}: none of its other calls can run until the value is ready; await Ray.GetAsync(...) instead",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An actor with async methods runs all its calls on one event loop thread, interleaved at awaits (Ray's async actors). " +
            "A blocking Ray.Get in one of them stops every other call of the actor for the whole wait, and deadlocks if the value " +
            "depends on another call of the same actor. await Ray.GetAsync(...) lets the other calls run meanwhile.",
        helpLinkUri: HelpLinkBase + "#rays003");
}
