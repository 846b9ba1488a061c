using System.Runtime.CompilerServices;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Runtime;

/// <summary>What running a task or an actor call has in common: decoding arguments and building results.</summary>
internal static class TaskRunner
{
    /// <summary>The arguments of a call; <paramref name="leading"/> fills the first slots (the actor instance).</summary>
    public static object?[] DecodeArguments(CoreWorker worker, TaskSpec spec, FunctionInvoker invoker, object? leading = null, bool hasLeading = false)
    {
        var offset = hasLeading ? 1 : 0;
        var gathered = spec.GatheredArgs;
        var plain = spec.Args.Count - gathered;
        var args = new object?[plain + offset + (gathered > 0 ? 1 : 0)];
        if (hasLeading)
        {
            args[0] = leading;
        }
        for (var i = 0; i < plain; i++)
        {
            var codec = invoker.ParameterCodecs[i + offset];
            if (codec.Type == typeof(CancellationToken))
            {
                // Never on the wire: the token that Ray.Cancel of this task (or actor call) signals.
                args[i + offset] = TaskExecutor.CurrentCancellation;
                continue;
            }
            args[i + offset] = DecodeArgument(worker, spec.Args[i], codec);
        }
        if (gathered > 0)
        {
            // Ray's f.remote(*refs): the trailing args fill the last parameter, an array, in order.
            var codec = invoker.GatheredElementCodec
                ?? throw new InvalidOperationException($"{invoker.DisplayName} takes no array last, so it cannot take {gathered} gathered refs.");
            var array = Array.CreateInstance(invoker.GatheredElementType!, gathered);
            for (var k = 0; k < gathered; k++)
            {
                array.SetValue(DecodeArgument(worker, spec.Args[plain + k], codec), k);
            }
            args[plain + offset] = array;
        }
        return args;
    }

    private static object? DecodeArgument(CoreWorker worker, TaskArg arg, ValueCodec codec) => arg.KindCase switch
    {
        TaskArg.KindOneofCase.Value => codec.DeserializeObject(arg.Value.Format, arg.Value.Data.Memory),
        TaskArg.KindOneofCase.Stored => DecodeStored(worker, arg, codec),
        _ => throw new InvalidOperationException("A task argument arrived unresolved."),
    };

    /// <summary>A stored argument; if every copy is lost, its owner re-creates it first (lineage reconstruction).</summary>
    private static object? DecodeStored(CoreWorker worker, TaskArg arg, ValueCodec codec)
    {
        var value = arg.Stored;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return ObjectValues.Decode(value, codec, worker);
            }
            catch (ObjectLostException) when (value.Inline is null && attempt < 3 && !ObjectValues.TryGetError(value, out _))
            {
                using (worker.Block())
                {
                    value = worker.Recovery.RecoverAnyAsync(ObjectId.FromByteString(value.ObjectId), arg.Owner, value.StoreNodeId).GetAwaiter().GetResult();
                }
            }
        }
    }

    public static TaskResult Success(CoreWorker worker, TaskSpec spec, FunctionInvoker invoker, object? value)
    {
        var taskId = UniqueId.FromByteString(spec.TaskId);
        var result = new TaskResult { TaskId = spec.TaskId };
        try
        {
            if (spec.SplitReturns)
            {
                // num_returns = n of a function returning an array: each element its own object.
                var array = value as Array
                    ?? throw new InvalidOperationException($"{invoker.DisplayName} returned null, but it was called with {spec.NumReturns} returns (an array of that length).");
                if (array.Length != spec.NumReturns || invoker.ResultElementCodec is not { } elementCodec)
                {
                    throw new InvalidOperationException($"{invoker.DisplayName} returned {array.Length} values, but it was called with {spec.NumReturns} returns.");
                }
                for (var k = 0; k < spec.NumReturns; k++)
                {
                    result.Returns.Add(Encode(worker, new ObjectId(taskId, k + 1), elementCodec, array.GetValue(k), invoker.DisplayName, spec));
                }
            }
            else if (spec.NumReturns <= 1)
            {
                result.Returns.Add(Encode(worker, new ObjectId(taskId, 1), invoker.ResultCodec, value, invoker.DisplayName, spec));
            }
            else
            {
                var tuple = (ITuple)value!;
                for (var k = 0; k < spec.NumReturns; k++)
                {
                    result.Returns.Add(Encode(worker, new ObjectId(taskId, k + 1), invoker.ElementCodecs![k], tuple[k], invoker.DisplayName, spec));
                }
            }
            LendContainedRefs(worker, spec, result.Returns);
            // The refs inside the value kept their objects alive until the caller was made a borrower.
            GC.KeepAlive(value);
            // Refs this task received inside its arguments: their owners know this process holds them
            // before the caller, seeing the task done, lets go of its own holds.
            worker.References.FlushRegistrations();
            return result;
        }
        catch (Exception ex)
        {
            return Failure(spec, ex, invoker.DisplayName);
        }
    }

    /// <summary>
    /// Refs inside a return value: the caller, which owns the value, becomes a borrower of each before
    /// it hears of the result, so they cannot be freed in between (this process may drop them at once).
    /// </summary>
    public static void LendContainedRefs(CoreWorker worker, TaskSpec spec, IEnumerable<ObjectValue> values)
    {
        foreach (var value in values)
        {
            foreach (var inner in value.Contained)
            {
                if (inner.Owner.WorkerId == spec.Owner.WorkerId)
                {
                    continue;
                }
                var id = ObjectId.FromByteString(inner.ObjectId);
                if (inner.Owner.WorkerId == worker.Address.WorkerId)
                {
                    worker.References.AddBorrower(id, spec.Owner.Endpoint);
                    continue;
                }
                try
                {
                    Common.Transport.Framed.WireChannels.CoreWorker(inner.Owner.Endpoint)
                        .AddBorrower(new BorrowRequest { ObjectIds = { inner.ObjectId }, BorrowerEndpoint = spec.Owner.Endpoint }, deadline: DateTime.UtcNow.AddSeconds(10));
                }
                catch (Grpc.Core.RpcException)
                {
                    // Its owner is gone: the caller will find the object lost, as it is.
                }
            }
        }
    }

    /// <summary>User code (or the encoding of its result) threw: retryable when the spec's retry exception types allow the exception.</summary>
    public static TaskResult Failure(TaskSpec spec, Exception exception, string functionName)
    {
        if (TaskExecutor.CurrentCancellation.IsCancellationRequested && IsCancellation(exception))
        {
            // Ray.Cancel reached the running code, which ended through its token or an interrupt: Ray's TaskCancelledError.
            return Failure(spec, ErrorConversion.System(ErrorKind.TaskCancelled, functionName,
                $"Task {functionName} ({UniqueId.FromByteString(spec.TaskId)}) was cancelled with Ray.Cancel while it ran."));
        }
        var result = Failure(spec, ErrorConversion.FromException(exception, functionName));
        result.RetryableError = result.ApplicationError && RetryExceptionTypes.Allow(spec, exception);
        return result;
    }

    private static bool IsCancellation(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException or ThreadInterruptedException)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A failure known only by its error (an actor gone): never retried as an exception, since none was thrown.</summary>
    public static TaskResult Failure(TaskSpec spec, ErrorInfo error)
    {
        var taskId = UniqueId.FromByteString(spec.TaskId);
        var result = new TaskResult { TaskId = spec.TaskId, ApplicationError = error.Kind == ErrorKind.TaskError };
        for (var k = 0; k < Math.Max(1, spec.NumReturns); k++)
        {
            result.Returns.Add(ObjectValues.Error(new ObjectId(taskId, k + 1), error));
        }
        return result;
    }

    private static ObjectValue Encode(CoreWorker worker, ObjectId id, ValueCodec codec, object? value, string function, TaskSpec spec) =>
        ObjectValues.Encode(worker, id, codec, value, UniqueId.FromByteString(spec.Owner.WorkerId), "The result", function);
}
