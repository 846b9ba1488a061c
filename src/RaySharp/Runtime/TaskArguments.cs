using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Runtime;

/// <summary>
/// Turns the arguments of a remote call into task args at the call site: values are serialized now
/// (a large one goes to the object store), ready refs owned here are inlined, and other refs become
/// dependencies that are resolved before the call is sent.
/// </summary>
internal static class TaskArguments
{
    // The slot of a ref argument not ready yet, shared: a slot is replaced when filled in, never changed, and a driver
    // with a million tasks queued on one ref would otherwise hold a million empty arguments.
    private static readonly TaskArg s_unresolved = new();

    /// <summary>Adds the call's arguments to <paramref name="into"/>; returns the refs still to resolve, or null.</summary>
    /// <param name="worker">The calling process's core worker.</param>
    /// <param name="function">The function or method called.</param>
    /// <param name="args">The arguments as given.</param>
    /// <param name="refMask">Bit i set: argument i is an ObjectRef to pass by value once ready.</param>
    /// <param name="parameterOffset">1 for an actor method, whose first parameter is the actor itself.</param>
    /// <param name="into">The task's argument list.</param>
    /// <param name="holds">
    /// The objects the call keeps alive until it finishes (its ref arguments, refs inside argument
    /// values, large arguments put in the store), already counted as submitted: the caller releases them.
    /// </param>
    /// <param name="gathered">Refs that fill the function's last parameter, an array, after <paramref name="args"/> (Ray's <c>f.remote(*refs)</c>).</param>
    public static List<(int Index, ObjectRef Ref)>? Add(
        CoreWorker worker, RemoteFunction function, object?[] args, int refMask, int parameterOffset, Google.Protobuf.Collections.RepeatedField<TaskArg> into,
        out ObjectHold[] holds, IReadOnlyList<ObjectRef>? gathered = null)
    {
        if (args.Length == 0 && gathered is null)
        {
            // No arguments: nothing to collect or hold (a call of a method without parameters, as most actor calls in a loop).
            holds = [];
            return null;
        }
        List<(int, ObjectRef)>? dependencies = null;
        var held = new List<ObjectHold>();
        using var collector = RefCollector.Start();
        for (var i = 0; i < args.Length; i++)
        {
            if (function.ParameterCodecs[i + parameterOffset].Type == typeof(CancellationToken))
            {
                into.Add(TaskCancellationArgument(function, args[i], (refMask >> i & 1) == 1, i));
                continue;
            }
            if ((refMask >> i & 1) == 1)
            {
                AddRef(worker, (ObjectRef)args[i]!, into, held, ref dependencies);
                continue;
            }
            Payload payload;
            try
            {
                payload = function.ParameterCodecs[i + parameterOffset].SerializeObject(args[i]);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new ArgumentException(
                    $"Argument {i + 1} of {function.DisplayName} (a {args[i]?.GetType().ToString() ?? "null"}) cannot be serialized: {ex.Message}", $"arg{i + 1}", ex);
            }
            if (payload.Data.Length <= ObjectValues.MaxInlineBytes)
            {
                into.Add(new TaskArg { Value = payload });
            }
            else
            {
                var stored = worker.PutArgument(payload);
                held.Add(new ObjectHold(ObjectId.FromByteString(stored.ObjectId), worker.Address));
                into.Add(new TaskArg { Stored = stored, Owner = worker.Address });
            }
        }
        foreach (var reference in gathered ?? [])
        {
            AddRef(worker, reference, into, held, ref dependencies);
        }
        // Not `?? []`: for a List that makes an empty list on every call.
        if (collector.Refs is { } nestedRefs)
        {
            foreach (var nested in nestedRefs)
            {
                held.Add(new ObjectHold(ObjectId.FromByteString(nested.ObjectId), nested.Owner));
            }
        }
        // Exact size, and shared with the task before when equal: the task keeps it as long as it is pending, which may
        // be long for a million queued tasks.
        holds = worker.FanOut.Holds(held);
        worker.References.AddSubmitted(holds);
        // The argument values' own refs kept those objects alive until the task's holds were counted.
        GC.KeepAlive(args);
        GC.KeepAlive(gathered);
        return dependencies;
    }

    // A ref argument: inlined when it is ready here, else a slot that ResolveAsync fills before the call is sent.
    private static void AddRef(CoreWorker worker, ObjectRef reference, Google.Protobuf.Collections.RepeatedField<TaskArg> into,
        List<ObjectHold> holds, ref List<(int, ObjectRef)>? dependencies)
    {
        holds.Add(new ObjectHold(reference.Id, reference.Owner));
        if (worker.Memory.TryGet(reference.Id, out var entry) && entry.IsReady && !entry.IsError)
        {
            var value = entry.Value;
            into.Add(value.Inline is { } inline ? new TaskArg { Value = inline } : new TaskArg { Stored = value, Owner = reference.Owner });
        }
        else
        {
            into.Add(s_unresolved);
            (dependencies ??= []).Add((into.Count - 1, reference));
        }
    }

    /// <summary>
    /// A CancellationToken parameter is not sent: the executing side passes the task's own token there, the one
    /// Ray.Cancel signals. A token that can be cancelled here would suggest otherwise, so it is refused.
    /// </summary>
    private static TaskArg TaskCancellationArgument(RemoteFunction function, object? arg, bool isRef, int i)
    {
        if (isRef || arg is CancellationToken { CanBeCanceled: true })
        {
            throw new ArgumentException(
                $"Argument {i + 1} of {function.DisplayName} is a CancellationToken: pass CancellationToken.None (or default). The task receives its own "
                + "token there, which Ray.Cancel on the call's result signals; a token of the calling process cannot reach another process.", $"arg{i + 1}");
        }
        return new TaskArg { TaskCancellation = true };
    }

    /// <summary>Waits for the dependencies and fills their slots; the error of a failed one, else null.</summary>
    public static async Task<ErrorInfo?> ResolveAsync(CoreWorker worker, List<(int Index, ObjectRef Ref)> dependencies,
        Google.Protobuf.Collections.RepeatedField<TaskArg> args, string functionName)
    {
        foreach (var (index, reference) in dependencies)
        {
            var entry = worker.Resolve(reference);
            var value = entry.IsReady ? entry.Value : await entry.Ready.ConfigureAwait(false);
            if (ObjectValues.TryGetError(value, out var error))
            {
                // The failure travels on in this call's error: it is reported there, not here.
                entry.Fetched = true;
                return ErrorConversion.FromFailedArgument(error, functionName);
            }
            args[index] = Filled(value, reference.Owner);
        }
        return null;
    }

    /// <summary>The argument a ref passes once its object is ready: the value itself when small, else where it is stored.</summary>
    public static TaskArg Filled(ObjectValue value, Address owner) =>
        value.Inline is { } inline ? new TaskArg { Value = inline } : new TaskArg { Stored = value, Owner = owner };
}
