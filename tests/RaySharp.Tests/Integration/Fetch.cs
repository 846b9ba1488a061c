namespace RaySharp.Tests.Integration;

/// <summary>Ray.Get with a generous timeout whose failure says which value the test waited for.</summary>
public static class Fetch
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static T Value<T>(ObjectRef<T> reference, string what, TimeSpan? timeout = null)
    {
        try
        {
            return Ray.Get(reference, timeout ?? DefaultTimeout);
        }
        catch (GetTimeoutException ex)
        {
            Assert.Fail($"Timed out waiting for {what}: {ex.Message}");
            throw;
        }
    }

    public static T[] Values<T>(IEnumerable<ObjectRef<T>> references, string what, TimeSpan? timeout = null)
    {
        try
        {
            return Ray.Get(references, timeout ?? DefaultTimeout);
        }
        catch (GetTimeoutException ex)
        {
            Assert.Fail($"Timed out waiting for {what}: {ex.Message}");
            throw;
        }
    }
}
