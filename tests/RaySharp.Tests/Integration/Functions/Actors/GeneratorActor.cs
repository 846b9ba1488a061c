namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>A sync actor whose generator method yields from its state: calls see what earlier calls left.</summary>
public sealed class GeneratorActor
{
    private int _next;

    public IEnumerable<int> Take(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return _next++;
        }
    }
}

/// <summary>An async actor whose async generator method yields on the actor's event loop, between its other calls.</summary>
public sealed class AsyncGeneratorActor
{
    private int _pings;

    public async IAsyncEnumerable<int> Ticks(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    /// <summary>Yields 1, then awaits a minute without looking at any token, then yields 2.</summary>
    public async IAsyncEnumerable<int> OneThenStall()
    {
        yield return 1;
        await Task.Delay(TimeSpan.FromMinutes(1), CancellationToken.None);
        yield return 2;
    }

    public async Task<int> Ping()
    {
        await Task.Yield();
        return ++_pings;
    }
}
