namespace RaySharp.Runtime;

/// <summary>Takes one serialized <c>TaskEventBatch</c>; the buffer is the caller's again when it returns.</summary>
internal delegate void TaskEventSink(ReadOnlySpan<byte> batch);
