namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An async actor that awaits another actor's call: while it waits, its event loop must serve other calls.</summary>
public sealed class AsyncRelay
{
    public async Task<string> Relay(ActorHandle<AsyncGate> gate, string name) =>
        "relayed " + await gate.Task((g, n) => g.Await(n), name).Remote();

    public async Task<string> Ping()
    {
        await Task.Yield();
        return "pong";
    }
}
