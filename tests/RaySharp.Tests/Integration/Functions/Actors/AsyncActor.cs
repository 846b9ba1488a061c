namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>
/// An async actor (its methods return Task): the first call awaits a signal that only a later call
/// sets, so both return only if calls interleave at awaits (Ray's asyncio actors).
/// </summary>
public sealed class AsyncActor
{
    private readonly TaskCompletionSource<string> _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<string> WaitForSignal()
    {
        var value = await _signal.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return "received " + value;
    }

    public Task<string> Send(string value)
    {
        _signal.TrySetResult(value);
        return Task.FromResult("sent " + value);
    }

    public async Task<int> Pid()
    {
        await Task.Yield();
        return Environment.ProcessId;
    }
}
