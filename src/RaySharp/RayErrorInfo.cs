namespace RaySharp;

/// <summary>One failure this driver has seen, as listed by <see cref="Ray.ErrorInfo"/>.</summary>
/// <param name="FunctionName">The remote function that failed.</param>
/// <param name="Type">The exception type (or the kind of system failure).</param>
/// <param name="Message">The exception's message.</param>
/// <param name="Time">When the failure reached this process.</param>
/// <param name="TaskId">The failed task's id.</param>
public sealed record RayErrorInfo(string FunctionName, string Type, string Message, DateTimeOffset Time, string TaskId);
