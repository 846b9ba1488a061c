using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Runtime;

/// <summary>
/// Turns values into <see cref="ObjectValue"/>s and back: up to <see cref="MaxInlineBytes"/> they travel
/// inline (Ray's max_direct_call_object_size); larger ones are written straight into the node's object
/// store — an array of an unmanaged type with one memcpy from the array into shared memory — and read
/// from it in place.
/// </summary>
internal static class ObjectValues
{
    /// <summary>100 KiB, Ray's default for values passed inline instead of through the object store.</summary>
    public const int MaxInlineBytes = 100 * 1024;

    /// <summary>
    /// Stores a value as object <paramref name="id"/>, owned by <paramref name="owner"/>; the refs serialized inside it are
    /// listed in the result. An error names the value as <paramref name="what"/>, followed by " of <paramref name="of"/>"
    /// when given (joined only then: a task's result is encoded on every call).
    /// </summary>
    public static unsafe ObjectValue Encode(CoreWorker worker, ObjectId id, ValueCodec codec, object? value, UniqueId owner, string what, string? of = null)
    {
        using var collector = RefCollector.Start();
        ObjectValue result;
        var raw = codec.RawLength(value);
        if (raw > MaxInlineBytes)
        {
            result = new ObjectValue { ObjectId = id.ToByteString(), Size = raw, StoreNodeId = worker.NodeId.ToByteString() };
            var destination = worker.Plasma.Create(id, raw, PayloadFormat.RawArray, owner);
            if (destination != null)
            {
                codec.CopyRaw(value!, destination);
                worker.Plasma.Seal(id);
            }
        }
        else
        {
            Payload payload;
            try
            {
                payload = codec.SerializeObject(value);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new ArgumentException($"{what}{(of is null ? "" : " of " + of)}: a value of type {value?.GetType() ?? codec.Type} cannot be serialized: {ex.Message}", ex);
            }
            result = Place(worker, id, payload, owner);
        }
        if (collector.Refs is { } refs)
        {
            result.Contained.Add(refs);
        }
        return result;
    }

    /// <summary>Keeps a small payload inline and copies a large one into the object store.</summary>
    public static unsafe ObjectValue Place(CoreWorker worker, ObjectId id, Payload payload, UniqueId owner)
    {
        var value = new ObjectValue { ObjectId = id.ToByteString(), Size = payload.Data.Length };
        if (payload.Data.Length <= MaxInlineBytes)
        {
            value.Inline = payload;
            return value;
        }
        var destination = worker.Plasma.Create(id, payload.Data.Length, payload.Format, owner);
        if (destination != null)
        {
            payload.Data.Span.CopyTo(new Span<byte>(destination, payload.Data.Length));
            worker.Plasma.Seal(id);
        }
        value.StoreNodeId = worker.NodeId.ToByteString();
        return value;
    }

    public static ObjectValue Error(ObjectId id, ErrorInfo error) => new()
    {
        ObjectId = id.ToByteString(),
        Inline = new Payload { Format = PayloadFormat.Error, Data = error.ToByteString() },
    };

    public static bool TryGetError(ObjectValue value, out ErrorInfo error)
    {
        if (value.Inline is { Format: PayloadFormat.Error } p)
        {
            error = ErrorInfo.Parser.ParseFrom(p.Data);
            return true;
        }
        error = null!;
        return false;
    }

    /// <summary>The value of a ready object; throws the remote error when the object is a failure.</summary>
    public static object? Decode(ObjectValue value, ValueCodec codec, CoreWorker worker)
    {
        ThrowIfError(value);
        if (value.Inline is { } p)
        {
            return codec.DeserializeObject(p.Format, p.Data.Memory);
        }
        var id = ObjectId.FromByteString(value.ObjectId);
        return ReadStored(worker, id, worker.Plasma.Get(id, value.StoreNodeId, worker.Owns(id)), codec);
    }

    public static T Decode<T>(ObjectValue value, CoreWorker worker)
    {
        ThrowIfError(value);
        if (value.Inline is { } p)
        {
            return ValueCodec<T>.Instance.Deserialize(p.Format, p.Data.Memory);
        }
        var id = ObjectId.FromByteString(value.ObjectId);
        return (T)ReadStored(worker, id, worker.Plasma.Get(id, value.StoreNodeId, worker.Owns(id)), ValueCodec<T>.Instance)!;
    }

    public static async Task<T> DecodeAsync<T>(ObjectValue value, CoreWorker worker, CancellationToken cancellationToken)
    {
        ThrowIfError(value);
        if (value.Inline is { } p)
        {
            return ValueCodec<T>.Instance.Deserialize(p.Format, p.Data.Memory);
        }
        var id = ObjectId.FromByteString(value.ObjectId);
        var pinning = worker.Plasma.GetAsync(id, value.StoreNodeId, worker.Owns(id));
        StoredObjectLocation location;
        try
        {
            location = await pinning.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The raylet pins the object for this process when it answers (after a restore or a pull,
            // perhaps): the read is not cancelled but let go of then, so a cancelled Get leaves no pin.
            _ = pinning.ContinueWith(_ => worker.Plasma.Release(id), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
        return (T)ReadStored(worker, id, location, ValueCodec<T>.Instance)!;
    }

    /// <summary>Throws the remote error when the object is a failure.</summary>
    public static void TryThrow(ObjectValue value) => ThrowIfError(value);

    private static void ThrowIfError(ObjectValue value)
    {
        if (TryGetError(value, out var error))
        {
            throw ErrorConversion.ToException(error);
        }
    }

    // Reads the pinned object in place (one memcpy for raw arrays), then lets the store have it back.
    private static unsafe object? ReadStored(CoreWorker worker, ObjectId id, StoredObjectLocation location, ValueCodec codec)
    {
        try
        {
            return codec.DeserializeObject(location.Format, worker.Plasma.Base + location.Offset, location.Size);
        }
        finally
        {
            worker.Plasma.Release(id);
        }
    }
}
