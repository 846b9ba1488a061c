using System.Collections.Concurrent;

namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>
/// An async actor whose calls wait on named gates that later calls open: a ref that is ready exactly
/// when the test says, without a sleeping task holding a CPU.
/// </summary>
public sealed class AsyncGate
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _gates = new();

    public async Task<string> Await(string gate) => "opened " + await Gate(gate).Task.WaitAsync(TimeSpan.FromSeconds(90));

    /// <summary>An array of <paramref name="length"/> copies of the value the gate opens with, parsed as a number.</summary>
    public async Task<double[]> AwaitArray(string gate, int length)
    {
        var value = double.Parse(await Gate(gate).Task.WaitAsync(TimeSpan.FromSeconds(90)), System.Globalization.CultureInfo.InvariantCulture);
        return Enumerable.Repeat(value, length).ToArray();
    }

    public Task<bool> Open(string gate, string value) => Task.FromResult(Gate(gate).TrySetResult(value));

    private TaskCompletionSource<string> Gate(string name) =>
        _gates.GetOrAdd(name, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
